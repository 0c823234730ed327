// The base of the paired losses on DPO's implicit rewards r̂ = β·log π_θ/π_ref: sigmoid/cdpo, robust, hinge, ipo, rdpo, odpo.

namespace Hybrid.Algorithms.Preference;

/// <summary>The log-ratios of a batch of pairs and their implicit rewards, as a loss on them sees them.</summary>
/// <param name="ChosenRatio">[B] Σ log π_θ(y_w) − Σ log π_ref(y_w).</param>
/// <param name="RejectedRatio">[B] the same for y_l.</param>
/// <param name="ChosenRewards">[B] r̂_w = β·ChosenRatio (the logged <c>rewards/chosen</c>).</param>
/// <param name="RejectedRewards">[B] r̂_l = β·RejectedRatio.</param>
public sealed record ImplicitRewards(Tensor ChosenRatio, Tensor RejectedRatio, Tensor ChosenRewards, Tensor RejectedRewards)
{
    /// <summary>[B] β·h = r̂_w − r̂_l, the Bradley–Terry logit of DPO.</summary>
    public Tensor Logits => ChosenRewards - RejectedRewards;
}

/// <summary>
/// What every reference-based paired loss does the same way, once: checks the inputs (summed log-probs of chosen and
/// rejected under π_θ and π_ref, [B] each), forms the log-ratios and implicit rewards, averages the subclass's per-pair
/// losses over the batch and logs TRL's paired metrics (<c>rewards/chosen</c>, <c>rewards/margins</c>,
/// <c>rewards/accuracies</c>, <c>logps/*</c>, …) plus any the subclass adds. A subclass holds its hyperparameters
/// (validated in its constructor, defaults as named constants) and its formula in <see cref="Losses"/>.
/// </summary>
public abstract class ImplicitRewardLoss : IPreferenceLoss
{
    /// <param name="name">The registered name (errors and logs name it).</param>
    /// <param name="beta">β, the inverse temperature of the implicit reward; must be finite and &gt; 0.</param>
    protected ImplicitRewardLoss(string name, double beta)
    {
        Name = name;
        Beta = PreferenceChecks.Beta(beta, name, "0.1");
    }

    public string Name { get; }

    /// <summary>β, the inverse temperature of the implicit reward (the strength of the KL constraint).</summary>
    public double Beta { get; }

    public PreferenceDataKind DataKind => PreferenceDataKind.Paired;

    public bool NeedsReference => true;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        (Tensor chosen, Tensor rejected, Tensor refChosen, Tensor refRejected) = PreferenceChecks.WithReference(inputs, Name);
        using var sc = new ScalarScope();
        Tensor chosenRatio = chosen - refChosen;                         // [B] summed log π_θ/π_ref of y_w
        Tensor rejectedRatio = rejected - refRejected;                   // [B] summed log π_θ/π_ref of y_l
        var rewards = new ImplicitRewards(chosenRatio, rejectedRatio, chosenRatio * sc[Beta], rejectedRatio * sc[Beta]);  // [B] each
        var extra = new Dictionary<string, double>(StringComparer.Ordinal);
        Tensor loss = Losses(inputs, rewards, extra).mean();            // [B] → []
        var metrics = PreferenceChecks.PairedMetrics(loss, rewards.ChosenRewards, rewards.RejectedRewards, chosen, rejected);
        foreach (var (key, value) in extra) metrics[key] = value;
        return new LossOutput(loss.MoveToOuterDisposeScope(), metrics);
    }

    /// <summary>
    /// The per-pair losses [B] of this method (the batch mean is the loss), computed inside the loss's scope. Extra
    /// inputs (lengths, scores) come from <paramref name="inputs"/>; metrics beyond the paired ones go into <paramref name="metrics"/>.
    /// </summary>
    protected abstract Tensor Losses(PreferenceInputs inputs, ImplicitRewards rewards, IDictionary<string, double> metrics);
}
