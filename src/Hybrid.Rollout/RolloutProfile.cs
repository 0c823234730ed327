// Where one rollout request's time goes on the engine: prefill, model run per step, sampling, bookkeeping.
using System.Diagnostics;
using System.Globalization;
using Hybrid.Models.Generation;
using Hybrid.Rollout.Decoding;

namespace Hybrid.Rollout;

/// <summary>
/// Splits a request's wall time into phases by re-running the engine's decode loop on one batch with timestamps around
/// each phase. Per step:
/// <code>
/// backend = NextLogits + Append   (GenAI: model run + logits copied out/in; Ort: the ORT run, logits written in place)
/// sampler = RowSampler over the n rows
/// engine  = the rest of the loop (response lists, stop checks)
/// </code>
/// Prefill = the prompt pass. Figures are medians over runs, after one warm-up run. The trainer's sampler has the same
/// split on the trainer side (<c>Hybrid.Training.Online.TrainerSamplerProfile</c>), so the bench prints both alike.
/// </summary>
public static class RolloutProfile
{
    /// <summary>One phase split, milliseconds.</summary>
    /// <param name="Rows">Rows decoded as one batch.</param>
    /// <param name="Prefill">Prompt pass (batch creation included).</param>
    /// <param name="Backend">Per step: the model run plus handing logits and tokens across.</param>
    /// <param name="Sampler">Per step: drawing the n tokens.</param>
    /// <param name="Other">Per step: everything else of the loop.</param>
    /// <param name="Steps">Decode steps timed (new tokens − 1 model runs after the prefill).</param>
    public sealed record Split(int Rows, double Prefill, double Backend, double Sampler, double Other, int Steps)
    {
        public double Total => Prefill + Steps * (Backend + Sampler + Other);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"{Rows,3} rows: prefill {Prefill,7:F2} ms | per step: model {Backend,6:F3}, sample {Sampler,6:F3}, other {Other,6:F3} ms | total {Total,7:F1} ms = {Rows * (Steps + 1) / Total * 1000,7:F0} tok/s");
    }

    /// <summary>The engine's loop on one batch of <paramref name="prompts"/> (at most the engine's MaxBatchSize rows).</summary>
    public static Split Engine(RolloutEngine engine, IReadOnlyList<int[]> prompts, SamplingParams sampling, int runs = 3)
    {
        ArgumentNullException.ThrowIfNull(engine);
        if (prompts.Count > engine.Options.MaxBatchSize)
            throw new ArgumentException($"{prompts.Count} rows exceed the engine's MaxBatchSize ({engine.Options.MaxBatchSize})", nameof(prompts));
        int longest = prompts.Count == 0 ? 0 : prompts.Max(p => p.Length);
        if (longest + sampling.MaxNewTokens > engine.Info.ContextLength)
            throw new ArgumentException($"the longest prompt ({longest} tokens) + MaxNewTokens ({sampling.MaxNewTokens}) exceeds the model's context_length ({engine.Info.ContextLength})", nameof(sampling));
        return Median(runs, () => EngineOnce(engine, prompts, sampling));
    }

    private static Split EngineOnce(RolloutEngine engine, IReadOnlyList<int[]> prompts, SamplingParams sampling)
    {
        int n = prompts.Count, v = engine.Info.VocabSize, steps = sampling.MaxNewTokens - 1;
        var random = new Random(1);
        var sampler = new RowSampler(sampling, random);
        var responses = new List<int>[n];
        for (int r = 0; r < n; r++) responses[r] = [];
        var picks = new int[n];
        var finished = new bool[n];
        var stop = engine.Info.EosTokenIds.ToHashSet();  // GenAI ends rows at EOS: they are fed the pad id, as the engine does
        long start = Stopwatch.GetTimestamp();
        using IDecoderBatch batch = engine.CurrentModel.StartBatch(prompts, prompts.Max(p => p.Length) + sampling.MaxNewTokens, adapterName: null);
        double prefill = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        double backend = 0, sample = 0, other = 0;
        for (int step = 0; step <= steps; step++)
        {
            long t0 = Stopwatch.GetTimestamp();
            Span<float> logits = batch.NextLogits();                             // [n, V]
            long t1 = Stopwatch.GetTimestamp();
            for (int r = 0; r < n; r++) picks[r] = finished[r] ? engine.Info.PadTokenId : sampler.Draw(logits.Slice(r * v, v), out _);
            long t2 = Stopwatch.GetTimestamp();
            for (int r = 0; r < n; r++)
            {
                if (finished[r]) continue;
                responses[r].Add(picks[r]);
                finished[r] = stop.Contains(picks[r]);
            }
            long t3 = Stopwatch.GetTimestamp();
            if (step < steps) batch.Append(picks);
            long t4 = Stopwatch.GetTimestamp();
            if (step == 0)
            {
                prefill += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;   // GenAI hands the prefill logits over here
                backend += Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
            }
            else
            {
                backend += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds + Stopwatch.GetElapsedTime(t3, t4).TotalMilliseconds;
            }
            sample += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            other += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
        }
        return new Split(n, prefill, backend / steps, sample / (steps + 1), other / (steps + 1), steps);
    }

    /// <summary>Runs <paramref name="once"/> once to warm up (JIT, allocator, thread pools), then <paramref name="runs"/> times; each phase's median.</summary>
    public static Split Median(int runs, Func<Split> once)
    {
        once();
        var splits = Enumerable.Range(0, Math.Max(1, runs)).Select(_ => once()).ToList();
        static double Mid(IEnumerable<double> xs) { var s = xs.Order().ToList(); return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2; }
        return new Split(splits[0].Rows, Mid(splits.Select(x => x.Prefill)), Mid(splits.Select(x => x.Backend)), Mid(splits.Select(x => x.Sampler)),
            Mid(splits.Select(x => x.Other)), splits[0].Steps);
    }
}
