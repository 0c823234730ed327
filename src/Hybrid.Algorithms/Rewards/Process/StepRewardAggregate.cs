// Turns step rewards into one outcome score per completion (min, product, mean or sum over the steps).

namespace Hybrid.Algorithms.Rewards.Process;

/// <summary>How step rewards combine into one score.</summary>
public enum StepAggregation
{
    /// <summary>The weakest step (a solution is as good as its worst step; common PRM choice).</summary>
    Min,

    /// <summary>∏ step rewards (probability that every step is right, for rewards in [0, 1]).</summary>
    Product,

    /// <summary>Average step reward.</summary>
    Mean,

    /// <summary>Total step reward.</summary>
    Sum,
}

/// <summary>
/// A sequence-level <see cref="IRewardFunction"/> from a step-level one: r = agg_j r_j over the completion's steps, and
/// <see cref="Empty"/> (default 0) when it has no steps. Lightman et al. 2023 (arXiv 2305.20050) score a solution by the
/// product of step correctness probabilities; the minimum is the other common choice. Metric: <c>steps_mean</c>.
/// </summary>
public sealed class StepRewardAggregate(IStepRewardFunction steps, StepAggregation aggregation = StepAggregation.Min, double empty = 0.0, string? name = null) : IRewardFunction
{
    public string Name { get; } = name ?? $"{steps.Name}_{aggregation.ToString().ToLowerInvariant()}";

    public StepAggregation Aggregation { get; } = aggregation;

    public double Empty { get; } = empty;

    public RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        IReadOnlyList<StepScores> scored = steps.ScoreSteps(samples);
        var scores = new double[samples.Count];
        for (int i = 0; i < scores.Length; i++)
        {
            double[] r = scored[i].Rewards;
            scores[i] = r.Length == 0 ? Empty : Aggregation switch
            {
                StepAggregation.Min => r.Min(),
                StepAggregation.Product => r.Aggregate(1.0, (p, x) => p * x),
                StepAggregation.Mean => r.Average(),
                StepAggregation.Sum => r.Sum(),
                _ => throw new ArgumentOutOfRangeException(nameof(aggregation), Aggregation, "unknown step aggregation"),
            };
        }
        double stepsMean = scored.Count == 0 ? 0 : scored.Average(s => (double)s.Rewards.Length);
        return new RewardOutput(scores, new Dictionary<string, double> { ["steps_mean"] = stepsMean });
    }
}
