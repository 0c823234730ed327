// What a checkpoint needs besides the weights to resume a run exactly: step, data position, token count, RNG.
using System.Text.Json;
using Hybrid.Models.Checkpoints;
using Hybrid.Tensors.Serialization;

namespace Hybrid.Training.Sft;

/// <summary>
/// trainer_state.json of a <c>checkpoint-{step}</c> folder. The learning-rate schedule is a function of
/// <see cref="GlobalStep"/>, and the data order a function of (seed, epoch), so these few numbers plus the optimizer
/// moments (optimizer.safetensors) and libtorch's generator state restore the run bit for bit.
/// </summary>
public sealed record TrainerState(long GlobalStep, long TotalSteps, int Epoch, int Index, long NumTokens, ulong Seed, string RngState)
{
    public const string FileName = "trainer_state.json";

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public void Save(string dir) => AtomicFile.WriteText(Path.Combine(dir, FileName), JsonSerializer.Serialize(this, s_json));

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
