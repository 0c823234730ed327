// `tools/bench logprobs`: the log-prob-only passes of an RL iteration (old and reference log-probs) on a preset model, fp32 and bf16.
using System.Diagnostics;
using System.Globalization;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Bench;

internal static class LogProbBench
{
    /// <summary>
    /// <paramref name="sequences"/> sequences of <paramref name="promptTokens"/> + <paramref name="responseTokens"/> tokens:
    /// per-token log-probs of the response positions without gradients (the trainer's old/reference log-prob pass), in
    /// batches of 16, timed over <paramref name="rounds"/> rounds after one warm-up, in fp32 and in bf16.
    /// </summary>
    public static int Run(string recipePath, int sequences, int promptTokens, int responseTokens, int rounds)
    {
        var (recipe, config, created) = BenchModel.Create(recipePath);
        using DecoderModel model = created;
        int t = promptTokens + responseTokens;
        using Tensor ids = randint(0, config.VocabSize, [sequences, t]);                              // [N, T]
        using Tensor targets = ids.slice(1, promptTokens, t, 1).contiguous();                          // [N, A]
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"log-prob bench: {recipe.Name}, {sequences} sequences of {promptTokens} + {responseTokens} tokens, batches of 16");
        foreach (bool bf16 in new[] { false, true })
        {
            using var autocast = Autocast.Enable(bf16 ? ScalarType.BFloat16 : null);
            using var noGrad = no_grad();
            var times = new List<double>();
            for (int round = 0; round <= rounds; round++)
            {
                var clock = Stopwatch.StartNew();
                for (int start = 0; start < sequences; start += 16)
                {
                    using var scope = NewDisposeScope();
                    int end = Math.Min(sequences, start + 16);
                    Tensor inputs = ids.slice(0, start, end, 1).slice(1, 0, t - 1, 1);                 // [b, T − 1]
                    Tensor lp = model.TokenLogProbs(inputs, targets.slice(0, start, end, 1), null, promptTokens - 1, 1.0);  // [b, A]
                    _ = lp.sum().ToDouble();
                }
                if (round > 0) times.Add(clock.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine(string.Create(inv, $"  {(bf16 ? "bf16" : "fp32")}: median {times[times.Count / 2]:F0} ms per pass over {sequences} sequences (min {times[0]:F0}, max {times[^1]:F0})"));
        }
        return 0;
    }
}
