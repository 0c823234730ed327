// The --rollout-backend option of the commands that generate rollouts (rl, online-dpo).
using Hybrid.Rollout;

namespace Hybrid.Cli.Commands;

internal static class RolloutBackendOption
{
    /// <summary>A <c>--rollout-backend ort|genai</c> option (default: the engine's, Ort).</summary>
    public static Option<RolloutBackend> Create() => new("--rollout-backend")
    {
        Description = "Rollout runtime: Ort (default: the exported decoder on an ONNX Runtime session, any batch size, fastest measured) or GenAI (ONNX Runtime GenAI generators, as deployed)",
        DefaultValueFactory = _ => new RolloutEngineOptions().Backend,
    };
}
