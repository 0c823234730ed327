// What a checkpoint needs besides the weights to resume a run exactly: step, data position, token count, RNG.
using Hybrid.Models.Checkpoints;

namespace Hybrid.Training.Loop;

/// <summary>
/// trainer_state.json of a <c>checkpoint-{step}</c> folder. The learning-rate schedule is a function of
/// <see cref="GlobalStep"/>, and the data order a function of (seed, epoch), so these few numbers plus the optimizer
/// moments (optimizer.safetensors) and libtorch's generator state restore the run bit for bit — on the same data, which
/// <see cref="DataRows"/> and <see cref="DataSha256"/> (the training file's SHA-256) let a resume check.
/// </summary>
public sealed record TrainerState(long GlobalStep, long TotalSteps, int Epoch, int Index, long NumTokens, ulong Seed, string RngState,
    int DataRows = 0, string? DataSha256 = null)
{
    public const string FileName = "trainer_state.json";

    public void Save(string dir) => CheckpointStateFile.Save(dir, FileName, this);

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming --resume-from when a run cannot continue this state exactly: other
    /// training data (rows or SHA-256 differ; checkpoints written before the hash was recorded are checked by position only),
    /// or another step count or seed.
    /// </summary>
    public void CheckResumable(string dir, long totalSteps, ulong seed, int rows, string? dataSha256)
    {
        if (DataSha256 is not null && dataSha256 is not null) CheckpointStateFile.CheckSameData(dir, "data", DataRows, DataSha256, rows, dataSha256);
        if (Index > rows)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint stopped at row {Index} of an epoch, but --data has {rows} rows; resume with the same --data file");
        if (TotalSteps != totalSteps || Seed != seed)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint was made for {TotalSteps} steps with seed {Seed}, " +
                                        $"this run has {totalSteps} steps and seed {seed}; resume with the same data and settings");
    }

    /// <summary>The state in <paramref name="dir"/>; a missing or malformed file is a <see cref="CheckpointException"/> naming it.</summary>
    public static TrainerState Load(string dir) =>
        CheckpointStateFile.Load<TrainerState>(dir, FileName, "trainer state", "resume from a checkpoint-{step} folder written by the trainer");
}
