// REINFORCE with a constant baseline: the score minus the mean score of the whole batch.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>reinforce_baseline</c> — Â_{i,t} = r_i − (1/N)·Σ_j r_j: REINFORCE with the batch-mean reward as baseline (a
/// constant baseline keeps the gradient unbiased and lowers its variance). Williams 1992; the batch mean is the simplest
/// baseline of Sutton &amp; Barto, ch. 13.4. Outcome scores only.
/// </summary>
public sealed class ReinforceBaselineAdvantage : AdvantageEstimator
{
    public ReinforceBaselineAdvantage(AdvantageSettings? settings = null) : base(settings) { }

    public override string Name => "reinforce_baseline";

    protected override (Tensor Advantages, Tensor? Returns) Estimate(AdvantageInputs inputs, long prompts) =>
        (Broadcast(inputs.Scores - inputs.Scores.mean(), inputs.Mask), null);       // [N, A]
}
