// Where the trainer sampler's time goes per request: prompt pass, KV-cache forward per step, token choice — as the engine's profile splits it.
using System.Diagnostics;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Rollout;

namespace Hybrid.Training.Online;

/// <summary>
/// The trainer's counterpart of <see cref="RolloutProfile"/>: re-runs <see cref="KvCacheSampler"/>'s steps on one batch
/// with timestamps, per step forward (KV-cache Forward + last-position slice, reported as the model phase) and choose
/// (SamplingDistribution.Choose + copy out, reported as the sample phase). Prefill = the prompt pass. Figures are
/// medians over runs, after one warm-up run (<see cref="RolloutProfile.Median"/>).
/// </summary>
public static class TrainerSamplerProfile
{
    /// <summary>The trainer sampler's loop on <paramref name="prompts"/> (equal lengths).</summary>
    public static RolloutProfile.Split Measure(DecoderModel model, IReadOnlyList<int[]> prompts, SamplingParams sampling, int runs = 3)
    {
        ArgumentNullException.ThrowIfNull(model);
        return RolloutProfile.Median(runs, () => Once(model, prompts, sampling));
    }

    private static RolloutProfile.Split Once(DecoderModel model, IReadOnlyList<int[]> prompts, SamplingParams sampling)
    {
        int b = prompts.Count, s = prompts[0].Length, steps = sampling.MaxNewTokens - 1;
        if (prompts.Any(p => p.Length != s)) throw new ArgumentException("the trainer profile takes prompts of one length", nameof(prompts));
        var ids = new long[b * s];  // [B, S]
        for (int r = 0; r < b; r++)
            for (int j = 0; j < s; j++) ids[r * s + j] = prompts[r][j];
        var ones = new long[b * s];
        Array.Fill(ones, 1L);
        var chosen = new long[b];
        using var noGrad = no_grad();
        using KvCache cache = model.NewCache();
        double prefill = 0, forward = 0, choose = 0;
        for (int step = 0; step <= steps; step++)
        {
            using var scope = NewDisposeScope();
            long width = step == 0 ? s : 1;
            long t0 = Stopwatch.GetTimestamp();
            Tensor input = step == 0 ? torch.tensor(ids, [b, s]) : torch.tensor(chosen, [b, 1]);            // [B, S] then [B, 1]
            Tensor logits = model.Forward(input, torch.tensor(ones.AsSpan(0, (int)(b * width)).ToArray(), [b, width]), cache: cache);  // [B, S|1, V]
            Tensor last = logits.select(1, width - 1);                                                           // [B, V]
            long t1 = Stopwatch.GetTimestamp();
            var (tokens, _) = SamplingDistribution.Choose(last, sampling);                                      // [B]
            tokens.data<long>().CopyTo(chosen);
            long t2 = Stopwatch.GetTimestamp();
            if (step == 0) prefill = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            else forward += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            choose += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
        }
        return new RolloutProfile.Split(b, prefill, forward / steps, choose / (steps + 1), 0, steps);
    }
}
