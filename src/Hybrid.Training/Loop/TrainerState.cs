// What a checkpoint needs besides the weights to resume a run exactly: step, data position, token count, RNG.
using System.Text.Json;
using Hybrid.Data;
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

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Save(string dir) => AtomicFile.WriteText(Path.Combine(dir, FileName), JsonSerializer.Serialize(this, s_json));

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming --resume-from when a run cannot continue this state exactly: other
    /// training data (rows or SHA-256 differ; checkpoints written before the hash was recorded are checked by position only),
    /// or another step count or seed.
    /// </summary>
    public void CheckResumable(string dir, long totalSteps, ulong seed, int rows, string? dataSha256)
    {
        if (DataSha256 is not null && dataSha256 is not null && (DataSha256 != dataSha256 || DataRows != rows))
            throw new ArgumentException($"--resume-from {dir}: the checkpoint was trained on other data ({DataRows} rows, sha256 {DataSha256[..12]}…) " +
                                        $"than --data ({rows} rows, sha256 {dataSha256[..12]}…); resume with the same --data file, or start a new run");
        if (Index > rows)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint stopped at row {Index} of an epoch, but --data has {rows} rows; resume with the same --data file");
        if (TotalSteps != totalSteps || Seed != seed)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint was made for {TotalSteps} steps with seed {Seed}, " +
                                        $"this run has {totalSteps} steps and seed {seed}; resume with the same data and settings");
    }

    public static TrainerState Load(string dir)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new CheckpointException($"{path}: not found; resume from a checkpoint-{{step}} folder written by the trainer");
        try
        {
            return JsonSerializer.Deserialize<TrainerState>(File.ReadAllText(path), s_json)
                ?? throw new CheckpointException($"{path}: empty");
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"{path}: malformed trainer state ({ex.Message})");
        }
    }
}
