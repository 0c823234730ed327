// An online-dpo run's resumable checkpoint-{iteration}: the policy, AdamW's moments, and online_dpo_state.json.
using Hybrid.Models.Checkpoints;
using Hybrid.Training.Loop;

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// online_dpo_state.json of an online-dpo <c>checkpoint-{iteration}</c> folder: what, beside the policy and the optimizer's
/// moments, makes the rest of the run what it would have been. Every rollout's sampling seed and every iteration's pair
/// shuffle are functions of (seed, iteration); the prompt order is a function of (seed, epoch), so its cursor suffices;
/// libtorch's generator (LoRA dropout), the skipped-step counts, the engine's policy version and the initial policy's
/// evaluation (the baseline of <c>eval/win_rate</c>) carry the rest. <see cref="DataSha256"/> ties it to the prompt file.
/// π_ref is not stored: the initial policy is the resumed run's <c>--model</c>, the previous iterate is the checkpoint's policy.
/// </summary>
public sealed record OnlineDpoState(int Iteration, int Iterations, ulong Seed, string Loss, ReferenceChoice Reference, long PolicyVersion,
    int Epoch, int Index, string RngState, int SkippedSteps, int ConsecutiveSkips, long GuardSteps,
    double? InitialEvalReward, double[]? EvalBaseline, string? EvalDataSha256, int DataRows, string DataSha256)
{
    public const string FileName = "online_dpo_state.json";

    public void Save(string dir) => CheckpointStateFile.Save(dir, FileName, this);

    /// <summary>The state in <paramref name="dir"/>; a missing or malformed file is a <see cref="CheckpointException"/> naming it.</summary>
    public static OnlineDpoState Load(string dir)
    {
        OnlineDpoState state = CheckpointStateFile.Load<OnlineDpoState>(dir, FileName, "online-dpo state",
            "--resume-from takes a checkpoint-{iteration} folder written by hybrid online-dpo --save-steps");
        if (state.Iteration < 1 || state.Iteration > state.Iterations || state.Index < 0 || state.Epoch < 0 || state.PolicyVersion < 0 ||
            state.SkippedSteps < 0 || state.ConsecutiveSkips < 0 || state.GuardSteps < 0 || state.RngState is null || state.DataSha256 is null ||
            state.Loss is null || !Enum.IsDefined(state.Reference) ||
            (state.EvalBaseline is null) != (state.InitialEvalReward is null) || (state.EvalBaseline is null) != (state.EvalDataSha256 is null))
            throw new CheckpointException($"{Path.Combine(dir, FileName)}: a field is missing or out of range (iteration {state.Iteration} of {state.Iterations})");
        return state;
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming --resume-from when this run cannot continue the checkpoint exactly:
    /// other prompts (rows or SHA-256 differ), another loss, reference, seed or iteration count, or other held-out prompts
    /// (<paramref name="evalSha256"/>: --eval-data's SHA-256, null without it), whose first answers <c>eval/win_rate</c> compares with.
    /// </summary>
    public void CheckResumable(string dir, OnlineDpoConfig config, int rows, string dataSha256, string? evalSha256)
    {
        CheckpointStateFile.CheckSameData(dir, "prompts", DataRows, DataSha256, rows, dataSha256);
        if (Loss != config.Update.Loss || Reference != config.Reference || Iterations != config.Iterations || Seed != config.Seed)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint was made with --loss {Loss} --reference {Reference} for {Iterations} iterations with seed {Seed}; " +
                                        $"this run has --loss {config.Update.Loss} --reference {config.Reference}, {config.Iterations} iterations and seed {config.Seed}; resume with the same settings");
        if (EvalDataSha256 != evalSha256)
            throw new ArgumentException($"--resume-from {dir}: " + (EvalDataSha256 is null ? "the checkpoint was made without --eval-data; resume without it"
                : evalSha256 is null ? "the checkpoint was made with --eval-data and this run has none; resume with the same --eval-data"
                : $"the checkpoint was made with other --eval-data (sha256 {EvalDataSha256[..Math.Min(12, EvalDataSha256.Length)]}…); resume with the same --eval-data"));
        if (Iteration >= Iterations)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint is the run's last iteration ({Iteration} of {Iterations}); nothing is left to train");
    }
}

/// <summary>
/// An online-dpo run's checkpointing: every <see cref="SaveSteps"/> iterations (0 = never) a resumable
/// <c>{OutputDir}/checkpoint-{iteration}</c>, keeping the newest <see cref="SaveTotalLimit"/> (null: all); <see cref="Resume"/>,
/// read from <see cref="ResumeDir"/>, when this run continues one (the caller opens the policy with the checkpoint's weights
/// or adapters; the trainer restores the rest). <see cref="DataSha256"/>, <see cref="EvalDataSha256"/>: the prompt files'
/// (null: no held-out prompts), which the state records.
/// </summary>
public sealed record OnlineDpoCheckpointing(string OutputDir, int SaveSteps, int DataRows, string DataSha256, string? EvalDataSha256 = null,
    string? ResumeDir = null, OnlineDpoState? Resume = null, int? SaveTotalLimit = null);
