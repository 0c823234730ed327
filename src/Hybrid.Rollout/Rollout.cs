// One sampled response: its prompt, tokens, rollout log-probs, how it ended and which policy version produced it.
using Hybrid.Models.Generation;

namespace Hybrid.Rollout;

/// <summary>
/// Sample <see cref="SampleIndex"/> of prompt <see cref="PromptIndex"/>. <see cref="LogProbs"/>[i] is log q(ResponseIds[i])
/// under the distribution the engine drew the token from (temperature → top-k → top-p → renormalise of the logits the backend
/// computed at that step; 0 for greedy decoding), i.e. the behaviour policy's log-prob PPO/GRPO importance ratios need.
/// </summary>
public sealed record Rollout
{
    /// <summary>Index of the prompt in the request.</summary>
    public required int PromptIndex { get; init; }

    /// <summary>Which of the G samples of that prompt (0 … G−1).</summary>
    public required int SampleIndex { get; init; }

    /// <summary>[P] the prompt, without padding.</summary>
    public required int[] PromptIds { get; init; }

    /// <summary>[A] the generated tokens; ends with the stop token when <see cref="Finish"/> is Stop.</summary>
    public required int[] ResponseIds { get; init; }

    /// <summary>[A] rollout log q of each response token.</summary>
    public required float[] LogProbs { get; init; }

    /// <summary>Stop (a stop token was sampled) or Length (the token budget ran out).</summary>
    public required FinishReason Finish { get; init; }

    /// <summary>The policy version (weight-sync count) whose weights sampled every token of this rollout.</summary>
    public required long PolicyVersion { get; init; }
}
