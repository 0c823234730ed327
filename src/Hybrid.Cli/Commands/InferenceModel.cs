// What generate and eval share: an export folder (or a checkpoint exported to a temporary one), its tokenizer, and a reward.
using Hybrid.Algorithms.Rewards;
using Hybrid.Export.Decoder;
using Hybrid.Models.Tokenizers;
using Hybrid.Onnx;
using Hybrid.Rollout.Scoring;
using Hybrid.Training.Data;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <see cref="Folder"/> is <c>--model</c> when it holds <c>genai_config.json</c>, else the checkpoint exported (optimized
/// kernel) into a temporary folder that <see cref="Dispose"/> deletes.
/// </summary>
internal sealed class InferenceModel : IDisposable
{
    private readonly string? _temp;

    public InferenceModel(string model)
    {
        if (File.Exists(Path.Combine(model, "genai_config.json")))
        {
            Folder = model;
            return;
        }
        _temp = Directory.CreateTempSubdirectory("hybrid-inference-").FullName;
        try { DecoderExporter.ExportCheckpoint(model, Path.Combine(_temp, "export"), new DecoderExportOptions { Kernel = AttentionKernel.Optimized }); }
        catch
        {
            Directory.Delete(_temp, recursive: true);
            throw;
        }
        Folder = Path.Combine(_temp, "export");
    }

    public string Folder { get; }

    /// <summary>--chat: each plain prompt as a user turn rendered with the tokenizer's chat template and the generation prompt.</summary>
    public static IReadOnlyList<PromptRow> AsUserTurns(IReadOnlyList<PromptRow> rows, Tokenizer tokenizer) =>
        rows.Select(r => r with { Prompt = tokenizer.ApplyChatTemplate([new ChatMessage(ChatMessage.UserRole, r.Prompt)], addGenerationPrompt: true) }).ToList();

    /// <summary>The reward of <c>--reward SPEC</c> and/or <c>--reward-model DIR…</c> (null when neither is given).</summary>
    public static IRewardFunction? Reward(string? rule, IRewardScorer? scorer) =>
        rule is not null ? WeightedReward.Parse(rule, scorer is null ? null : [new RewardModelReward(scorer)])
        : scorer is not null ? new RewardModelReward(scorer) : null;

    /// <summary>The reward models of <c>--reward-model</c> on <paramref name="device"/>, or null.</summary>
    public static IRewardScorer? Scorer(string[] dirs, OnnxDevice device) =>
        dirs.Length == 0 ? null : RewardEnsemble.Open(dirs, new RewardScorerOptions { Device = device });

    public void Dispose()
    {
        if (_temp is not null) Directory.Delete(_temp, recursive: true);
    }
}
