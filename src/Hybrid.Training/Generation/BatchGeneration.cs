// Batched generation from an exported model over prompt rows: n samples each, optionally Best-of-N by a reward.
using System.Diagnostics;
using Hybrid.Algorithms.Rewards;
using Hybrid.Models.Generation;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout;
using Hybrid.Training.Data;

namespace Hybrid.Training.Generation;

/// <summary>One output row: a sample of a prompt (or, with Best-of-N, the best of its samples and every sample's score).</summary>
/// <param name="Row">The input row (prompt text, other columns, file:line).</param>
/// <param name="Sample">Which sample of the prompt (0 … n−1); with Best-of-N the index of the kept one.</param>
/// <param name="Completion">The decoded response, without the stop token.</param>
/// <param name="Finish">Stop (a stop token) or Length (the token budget ran out).</param>
/// <param name="Tokens">Response tokens, stop token included.</param>
/// <param name="Score">With Best-of-N: the kept sample's reward.</param>
/// <param name="Scores">With Best-of-N: every sample's reward, in sample order.</param>
public sealed record GeneratedRow(PromptRow Row, int Sample, string Completion, FinishReason Finish, int Tokens, double? Score = null, double[]? Scores = null);

/// <summary>What a generation pass produced and how fast.</summary>
public sealed record GenerationSummary(IReadOnlyList<GeneratedRow> Rows, int Samples, long Tokens, double Seconds)
{
    public double TokensPerSecond => Tokens / Math.Max(Seconds, 1e-9);
}

/// <summary>
/// Samples <c>n</c> completions per prompt with the engine (all prompts in one request; the engine chunks it), decodes
/// them with the model's tokenizer, and returns them in input order (prompt-major, samples in order). With a reward
/// (<see cref="BestOf"/>: a rule reward or exported reward models), every sample is scored and only each prompt's best
/// is kept (ties: the lowest sample index) — Best-of-N sampling, the inference-time baseline RLHF papers compare with.
/// </summary>
public static class BatchGeneration
{
    public static GenerationSummary Run(RolloutEngine engine, Tokenizer tokenizer, IReadOnlyList<PromptRow> rows, int n, SamplingParams sampling,
        IRewardFunction? bestOf = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        int[][] prompts = rows.Select(r => tokenizer.Encode(r.Prompt)).ToArray();
        var clock = Stopwatch.StartNew();
        RolloutBatch batch = engine.Generate(new RolloutRequest { Prompts = prompts, SamplesPerPrompt = n, Sampling = sampling });
        double seconds = clock.Elapsed.TotalSeconds;
        // A Stop rollout ends with the stop token it sampled; the completion text leaves it out.
        var generated = batch.Samples.Select(s => new GeneratedRow(rows[s.PromptIndex], s.SampleIndex,
            tokenizer.Decode(s.Finish == FinishReason.Stop ? s.ResponseIds.AsSpan(0, s.ResponseIds.Length - 1) : s.ResponseIds), s.Finish, s.ResponseIds.Length)).ToList();
        long tokens = generated.Sum(g => (long)g.Tokens);
        if (bestOf is null) return new GenerationSummary(generated, generated.Count, tokens, seconds);

        double[] scores = bestOf.Score(generated.Select(g => new RewardSample(g.Row.Prompt, g.Completion, g.Row.Columns)
        {
            CompletionTokens = g.Tokens, Truncated = g.Finish == FinishReason.Length,
        }).ToList()).Scores;
        var best = new List<GeneratedRow>(rows.Count);
        for (int p = 0; p < rows.Count; p++)
        {
            double[] mine = scores.AsSpan(p * n, n).ToArray();
            int keep = Array.IndexOf(mine, mine.Max());
            best.Add(generated[p * n + keep] with { Score = mine[keep], Scores = mine });
        }
        return new GenerationSummary(best, generated.Count, tokens, seconds);
    }
}
