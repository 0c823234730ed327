// Saves and restores AdamW's moments and step count as optimizer.safetensors, keyed by parameter name.
using System.Globalization;
using Hybrid.Models.Checkpoints;
using Hybrid.Tensors.Optim;
using Hybrid.Tensors.Serialization;

namespace Hybrid.Training.Loop;

public static class OptimizerCheckpoint
{
    public const string FileName = "optimizer.safetensors";

    /// <summary>Writes <c>exp_avg.{name}</c> and <c>exp_avg_sq.{name}</c> for each parameter, and the step count as metadata.</summary>
    public static void Save(string dir, AdamW optimizer, IReadOnlyList<string> names)
    {
        var tensors = new List<KeyValuePair<string, Tensor>>();
        for (int i = 0; i < names.Count; i++)
        {
            tensors.Add(new($"exp_avg.{names[i]}", optimizer.ExpAvg[i]));
            tensors.Add(new($"exp_avg_sq.{names[i]}", optimizer.ExpAvgSq[i]));
        }
        SafeTensors.Save(Path.Combine(dir, FileName), tensors,
            new Dictionary<string, string> { ["step_count"] = optimizer.StepCount.ToString(CultureInfo.InvariantCulture) });
    }

    /// <summary>Copies saved moments into <paramref name="optimizer"/>; every parameter must be present with its shape.</summary>
    public static void Load(string dir, AdamW optimizer, IReadOnlyList<string> names)
    {
        string path = Path.Combine(dir, FileName);
        if (!File.Exists(path)) throw new CheckpointException($"{path}: not found");
        var meta = SafeTensors.ReadHeader(path).Metadata;
        if (!meta.TryGetValue("step_count", out string? stepText) || !long.TryParse(stepText, CultureInfo.InvariantCulture, out long step) || step < 0)
            throw new CheckpointException($"{path}: metadata 'step_count' is missing or not a non-negative integer");
        Dictionary<string, Tensor> saved = SafeTensors.Load(path);
        try
        {
            using var noGrad = no_grad();
            for (int i = 0; i < names.Count; i++)
            {
                Copy(saved, $"exp_avg.{names[i]}", optimizer.ExpAvg[i], path);
                Copy(saved, $"exp_avg_sq.{names[i]}", optimizer.ExpAvgSq[i], path);
            }
            optimizer.StepCount = step;
        }
        finally
        {
            foreach (Tensor t in saved.Values) t.Dispose();
        }
    }

    private static void Copy(Dictionary<string, Tensor> saved, string name, Tensor into, string path)
    {
        if (!saved.TryGetValue(name, out Tensor? src)) throw new CheckpointException($"{path}: tensor '{name}' is missing");
        if (!src.shape.SequenceEqual(into.shape))
            throw new CheckpointException($"{path}: tensor '{name}' has shape [{string.Join(",", src.shape)}], the model needs [{string.Join(",", into.shape)}]");
        into.copy_(src);
    }
}
