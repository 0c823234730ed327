// `tools/bench memory`: resident memory and live tensors over many SFT steps of the `tiny` preset (they must stay flat).
using System.Diagnostics;
using System.Globalization;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Sft;
using static TorchSharp.torch;

namespace Hybrid.Bench;

internal static class MemoryBench
{
    /// <summary>
    /// <paramref name="steps"/> SFT steps (batch 16 × 32 tokens, the trainer's step) of a random `tiny` model; prints the
    /// process RSS (from /proc/self/status) and the live-tensor count at 10 evenly spaced points, and the growth of RSS
    /// over the second half (the first steps still grow the managed heap and the allocator's pools).
    /// </summary>
    public static int Run(string recipePath, int steps)
    {
        var (recipe, config, created) = BenchModel.Create(recipePath);
        using DecoderModel model = created;
        using var optimizer = new AdamW(model.parameters(), 1e-3);
        List<TokenizedExample> rows = BenchModel.RandomRows(config, 16, 32);
        long baseline = TensorUtil.LiveTensors;
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"memory bench: {recipe.Name}, {steps} SFT steps of 16 × 32 tokens");
        double half = 0, last = 0;
        for (int step = 1; step <= steps; step++)
        {
            SftStep.Run(model, optimizer, [rows], 0, 1e-3, 1.0);
            if (step % Math.Max(1, steps / 10) == 0)
            {
                double rss = RssMiB();
                if (step == steps / 2) half = rss;
                last = rss;
                Console.WriteLine(string.Create(inv, $"  step {step,6}: RSS {rss:F1} MiB, live tensors {TensorUtil.LiveTensors - baseline:+0;-0;0} vs before the first step"));
            }
        }
        Console.WriteLine(string.Create(inv, $"  RSS growth from step {steps / 2} to {steps}: {last - half:+0.0;-0.0;0.0} MiB"));
        return 0;
    }

    private static double RssMiB()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }
}
