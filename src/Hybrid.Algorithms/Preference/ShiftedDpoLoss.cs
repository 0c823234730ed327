// The DPO loss with a per-pair term added to its Bradley–Terry logit: the shared core of ODPO (an offset) and R-DPO (a length term).

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// L = −log σ(β·h + sign·term) (mean over the batch), h the DPO log-ratio margin and term [B] a quantity of the pair that
/// carries no gradient: ODPO subtracts its offset Δ (sign −1), R-DPO adds its length term α(|y_w| − |y_l|) (sign +1).
/// The mean term is logged under <see cref="TermMetric"/>.
/// </summary>
public abstract class ShiftedDpoLoss(string name, double beta) : ImplicitRewardLoss(name, beta)
{
    /// <summary>+1 adds the term to the logit, −1 subtracts it.</summary>
    protected abstract double Sign { get; }

    /// <summary>The metric name of the mean term.</summary>
    protected abstract string TermMetric { get; }

    /// <summary>The term [B] for a batch of <paramref name="pairs"/> pairs.</summary>
    protected abstract Tensor Term(PreferenceInputs inputs, long pairs);

    protected sealed override Tensor Losses(PreferenceInputs inputs, ImplicitRewards rewards, IDictionary<string, double> metrics)
    {
        Tensor term = Term(inputs, rewards.ChosenRatio.size(0));           // [B]
        metrics[TermMetric] = PreferenceChecks.MeanOf(term);
        using var sc = new ScalarScope();
        return -rewards.Logits.add(term * sc[Sign], sc[1]).log_sigmoid();  // [B]
    }
}
