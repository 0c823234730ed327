// An RL run's resumable checkpoint-{iteration}: the policy, the optimizers' moments, the critic, and rl_state.json.
using Hybrid.Models.Checkpoints;
using Hybrid.Training.Loop;

namespace Hybrid.Training.Rl;

/// <summary>
/// rl_state.json of an RL <c>checkpoint-{iteration}</c> folder: what, beside the weights and the optimizers' moments,
/// makes the rest of the run what it would have been. The learning-rate warm-up and every rollout's sampling seed are
/// functions of the iteration; the prompt order is a function of (seed, epoch), so its cursor suffices; libtorch's
/// generator state (LoRA dropout, a critic's fresh head), the adaptive KL coefficient, GHPO's hint stages, the skipped-step
/// counts and the engine's policy version carry the rest. <see cref="DataSha256"/> ties it to the prompt file.
/// (<see cref="Epoch"/>, <see cref="Index"/>) is where the next untrained batch starts in the prompt order. An async run
/// has <see cref="AheadBatches"/> batches already collected ahead (in <see cref="RlCheckpointFiles.AheadBatches"/>), after
/// which the order stands at (<see cref="AheadEpoch"/>, <see cref="AheadIndex"/>); a resumed run trains on them, or, when
/// its staleness bound is too small for them, samples them again from (<see cref="Epoch"/>, <see cref="Index"/>).
/// </summary>
public sealed record RlState(int Iteration, int Iterations, ulong Seed, string Preset, long PolicyVersion, int Epoch, int Index,
    int PtxEpoch, int PtxIndex, string RngState, double KlCoefficient, int SkippedSteps, int ConsecutiveSkips, long GuardSteps,
    double? EvalBefore, int DataRows, string DataSha256, IReadOnlyDictionary<string, int>? GhpoStages, int AheadBatches = 0, int AheadEpoch = 0, int AheadIndex = 0)
{
    public const string FileName = "rl_state.json";

    public void Save(string dir) => CheckpointStateFile.Save(dir, FileName, this);

    /// <summary>The state in <paramref name="dir"/>; a missing or malformed file is a <see cref="CheckpointException"/> naming it.</summary>
    public static RlState Load(string dir)
    {
        RlState state = CheckpointStateFile.Load<RlState>(dir, FileName, "RL state", "--resume-from takes a checkpoint-{iteration} folder written by hybrid rl --save-steps");
        if (state.Iteration < 1 || state.Iteration > state.Iterations || state.Index < 0 || state.Epoch < 0 || state.PtxIndex < 0 || state.PtxEpoch < 0 ||
            state.PolicyVersion < 0 || state.AheadBatches < 0 || state.AheadEpoch < 0 || state.AheadIndex < 0 || state.SkippedSteps < 0 || state.ConsecutiveSkips < 0 || state.GuardSteps < 0 || state.RngState is null || state.DataSha256 is null || state.Preset is null)
            throw new CheckpointException($"{Path.Combine(dir, FileName)}: a field is missing or out of range (iteration {state.Iteration} of {state.Iterations})");
        return state;
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming --resume-from when this run cannot continue the checkpoint exactly:
    /// another preset, seed or iteration count, or other prompts (rows or SHA-256 differ).
    /// </summary>
    public void CheckResumable(string dir, string preset, int iterations, ulong seed, int rows, string dataSha256)
    {
        CheckpointStateFile.CheckSameData(dir, "prompts", DataRows, DataSha256, rows, dataSha256);
        if (Preset != preset || Iterations != iterations || Seed != seed)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint was made by --preset {Preset} for {Iterations} iterations with seed {Seed}; " +
                                        $"this run has --preset {preset}, {iterations} iterations and seed {seed}; resume with the same settings");
        if (Iteration >= Iterations)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint is the run's last iteration ({Iteration} of {Iterations}); nothing is left to train");
    }
}

/// <summary>
/// The files of an RL checkpoint folder besides the policy (written by <see cref="Online.OnlinePolicy.Save"/>), the
/// actor's moments (<c>optimizer.safetensors</c>, as offline checkpoints) and <see cref="RlState"/>.
/// </summary>
public static class RlCheckpointFiles
{
    /// <summary>PPO: the critic's weights (body + value head), and its optimizer's moments in a folder of their own.</summary>
    public const string Critic = "critic.safetensors";
    public const string CriticOptimizerDir = "critic_optimizer";

    /// <summary>Async runs: the batches collected ahead of the checkpoint's iteration (<see cref="RlState.AheadBatches"/>).</summary>
    public const string AheadBatches = "rollouts_ahead.json";
}

/// <summary>
/// An RL run's checkpointing: every <see cref="SaveSteps"/> iterations (0 = never) a resumable
/// <c>{OutputDir}/checkpoint-{iteration}</c>; <see cref="Resume"/>, read from <see cref="ResumeDir"/>, when this run
/// continues one (the policy — and under LoRA its adapters — and the critic's body come from the caller, loaded from
/// there; the trainer restores the rest). <see cref="DataSha256"/>: the prompt file's, which the state records.
/// <see cref="SaveTotalLimit"/>: keep only the newest checkpoints (null: all).
/// </summary>
public sealed record RlCheckpointing(string OutputDir, int SaveSteps, int DataRows, string DataSha256, string? ResumeDir = null, RlState? Resume = null,
    int? SaveTotalLimit = null);
