// Held-out evaluation with rule rewards (or reward models): greedy score and pass rate, and pass@k from n samples per prompt.
using Hybrid.Algorithms.Rewards;
using Hybrid.Models.Generation;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout;
using Hybrid.Training.Data;

namespace Hybrid.Training.Generation;

/// <summary>What <see cref="HeldOutEvaluation.Run"/> measured.</summary>
/// <param name="GreedyScore">Mean reward of the greedy completion over the prompts.</param>
/// <param name="GreedyPass">Fraction of prompts whose greedy completion passes (reward ≥ the threshold).</param>
/// <param name="SampledScore">Mean reward over every sampled completion.</param>
/// <param name="PassAtK">pass@k for each requested k ≤ n, averaged over the prompts.</param>
public sealed record EvaluationResult(int Prompts, int SamplesPerPrompt, double GreedyScore, double GreedyPass, double SampledScore,
    IReadOnlyDictionary<int, double> PassAtK, double Seconds);

/// <summary>
/// Greedy decoding once per prompt, then n samples per prompt at the given temperature, each scored by the reward; a
/// completion passes when its reward reaches the threshold (1 for the 0/1 accuracy rewards). pass@k is the unbiased
/// estimator of Chen et al. 2021 ("Evaluating Large Language Models Trained on Code", §2.1): with c of n samples passing,
/// pass@k = 1 − C(n − c, k) / C(n, k), averaged over the prompts.
/// </summary>
public static class HeldOutEvaluation
{
    /// <summary>1 − C(n − c, k) / C(n, k), computed as 1 − Π_{i = n−c+1}^{n} (1 − k/i) (no large binomials); 1 when n − c &lt; k.</summary>
    public static double PassAtK(int n, int c, int k)
    {
        if (k < 1 || k > n || c < 0 || c > n) throw new ArgumentOutOfRangeException(nameof(k), $"pass@k needs 1 <= k <= n and 0 <= c <= n (n {n}, c {c}, k {k})");
        if (n - c < k) return 1.0;
        double fail = 1.0;
        for (int i = n - c + 1; i <= n; i++) fail *= 1.0 - (double)k / i;
        return 1.0 - fail;
    }

    public static EvaluationResult Run(RolloutEngine engine, Tokenizer tokenizer, IReadOnlyList<PromptRow> rows, IRewardFunction reward,
        int samples, SamplingParams sampling, IReadOnlyList<int> ks, double threshold)
    {
        if (ks.Any(k => k < 1 || k > samples)) throw new ArgumentException($"every k of pass@k must be in [1, {samples}] (the samples per prompt); got {string.Join(",", ks)}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double[] greedy = Scores(BatchGeneration.Run(engine, tokenizer, rows, 1, SamplingParams.Greedy(sampling.MaxNewTokens, [.. sampling.StopTokenIds])), reward);
        double[] sampled = Scores(BatchGeneration.Run(engine, tokenizer, rows, samples, sampling), reward);
        var passAt = ks.Distinct().Order().ToDictionary(k => k, k => Enumerable.Range(0, rows.Count)
            .Average(p => PassAtK(samples, sampled.Skip(p * samples).Take(samples).Count(s => s >= threshold), k)));
        return new EvaluationResult(rows.Count, samples, greedy.Average(), greedy.Count(s => s >= threshold) / (double)rows.Count,
            sampled.Average(), passAt, clock.Elapsed.TotalSeconds);
    }

    private static double[] Scores(GenerationSummary summary, IRewardFunction reward) =>
        reward.Score(summary.Rows.Select(g => new RewardSample(g.Row.Prompt, g.Completion, g.Row.Columns)
        {
            CompletionTokens = g.Tokens, Truncated = g.Finish == FinishReason.Length,
        }).ToList()).Scores;
}
