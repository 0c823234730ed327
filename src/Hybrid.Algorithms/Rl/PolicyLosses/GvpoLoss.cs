// GVPO: a per-group squared error between the centred implicit rewards of the policy and the centred actual rewards.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>gvpo</c> — Zhang et al. 2025, "GVPO: Group Variance Policy Optimization for Large Language Model Post-Training"
/// (arXiv 2504.19599). Implicit reward R_θ,i = β·Σ_t m_t·(log π_θ − log π_ref); per prompt group
/// L_g = ½·Σ_i [(R_θ,i − mean_g R_θ) − (R_i − mean_g R)]². The centring makes the weights sum to 0 so β·log Z(x) cancels;
/// the unique minimiser is the KL-constrained optimum π* ∝ π_ref·exp(R/β), and no importance ratio is needed (the
/// samples may come from any policy; OldLogProbs only feed <c>actor/ppo_kl</c>).
/// Per-token spread: every unmasked token of response i carries (G/2)·e_i², e_i the bracket above. Aggregated with
/// <c>seq_mean_token_mean</c> that is (1/N)·Σ_i (G/2)·e_i² = (1/P)·Σ_g L_g: the mean over the P prompts of the paper's
/// value (and its gradient). Other aggregations weight responses by length. Needs RefLogProbs, Scores, GroupSize ≥ 2
/// (<see cref="NeedsReference"/>); β from the constructor, default <see cref="DefaultBeta"/> (DPO-style; the paper gives no value).
/// </summary>
public sealed class GvpoLoss : PolicyLoss
{
    /// <summary>β of the implicit reward β·log π_θ/π_ref: 0.1, as DPO (our default).</summary>
    public const double DefaultBeta = 0.1;

    public GvpoLoss(double beta = DefaultBeta)
    {
        if (!(beta > 0 && double.IsFinite(beta))) throw new ArgumentException($"gvpo: Beta = {beta}: it must be a finite number > 0 (e.g. 0.1)", "Beta");
        Beta = beta;
    }

    public double Beta { get; }

    public override string Name => "gvpo";

    public override bool NeedsReference => true;

    public override bool TakesBeta => true;

    public override bool NeedsWholeGroups => true;

    protected override Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics)
    {
        Tensor mask = inputs.Mask;                                                   // [N, A]
        Tensor reference = inputs.RefLogProbs                                        // [N, A] log π_ref
            ?? throw new ArgumentException("gvpo needs RefLogProbs [N, A]", nameof(inputs));
        Tensor scores = inputs.Scores                                                // [N] R(x, y_i)
            ?? throw new ArgumentException("gvpo needs Scores [N] (the raw rewards)", nameof(inputs));
        int g = inputs.GroupSize ?? throw new ArgumentException("gvpo needs GroupSize (responses per prompt)", nameof(inputs));
        double beta = Beta;
        RlMath.CheckShape(reference, nameof(inputs.RefLogProbs), mask.shape);
        RlMath.CheckShape(scores, nameof(inputs.Scores), mask.size(0));
        long prompts = RlMath.Prompts(mask.size(0), g, Name);
        if (g < 2) throw new ArgumentException("gvpo: GroupSize is 1; the group centring needs at least 2 responses per prompt", nameof(inputs));

        using var sc = new ScalarScope();
        Tensor implicitReward = ((inputs.LogProbs - reference) * mask).sum(1).mul(sc[beta]).reshape(prompts, g); // [P, G] R_θ
        Tensor reward = scores.reshape(prompts, g).detach();                                                // [P, G] R
        Tensor error = implicitReward - implicitReward.mean([1], keepdim: true)
                     - (reward - reward.mean([1], keepdim: true));                                            // [P, G] e_i
        metrics["actor/pg_clipfrac"] = 0;
        return (error * error * sc[g / 2.0]).reshape(-1, 1).expand(mask.size(0), mask.size(1));              // [N, A]
    }
}
