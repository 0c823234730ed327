// Length penalty with a token budget: a linear cost for every token beyond the budget (GRPO practitioner heuristic).

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// r = −Rate·max(0, L − Budget), L = <see cref="RewardSample.CompletionTokens"/>. The heuristic (from a GRPO
/// tuning note) is "−0.5 per extra 100 tokens beyond 512"; it does not say stepwise or linear, and we take the linear
/// form so that every extra token costs the same and the signal has no plateaus: defaults Budget 512, Rate 0.005
/// (= 0.5 / 100). Add it to an accuracy reward with weight 1. Caution (GRPO-λ): applied from the start it can make
/// the model cut its reasoning before it can solve the task. Metric: <c>over_budget_frac</c>.
/// </summary>
public sealed class LengthPenalty : RuleReward
{
    public LengthPenalty(int budget = 512, double rate = 0.005)
    {
        if (budget < 0) throw new ArgumentException($"LengthPenalty.budget must be ≥ 0 (got {budget}); e.g. 512", nameof(budget));
        if (!(rate >= 0) || !double.IsFinite(rate)) throw new ArgumentException($"LengthPenalty.rate must be finite and ≥ 0 (got {rate}); e.g. 0.005 per token", nameof(rate));
        Budget = budget;
        Rate = rate;
    }

    public int Budget { get; }

    public double Rate { get; }

    public override string Name => "length_penalty";

    public override double ScoreOne(RewardSample sample) => -Rate * Math.Max(0, sample.CompletionTokens - Budget);

    public override RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        RewardOutput output = base.Score(samples);
        double over = samples.Count(s => s.CompletionTokens > Budget) / (double)Math.Max(1, samples.Count);
        return output with { Metrics = new Dictionary<string, double> { ["over_budget_frac"] = over } };
    }
}
