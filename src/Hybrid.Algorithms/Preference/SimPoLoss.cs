// SimPO ("simpo"): a reference-free Bradley–Terry loss on length-averaged log-probs with a target reward margin γ.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// SimPO (Meng, Xia, Chen 2024, "SimPO: Simple Preference Optimization with a Reference-Free Reward", arXiv:2405.14734):
/// <code>
/// r(y) = β/|y| · log π_θ(y|x)                       (the implicit reward: the average per-token log-prob, scaled)
/// L    = −log σ(r(y_w) − r(y_l) − γ)                (mean over the batch)
/// </code>
/// No reference model. The reward matches how generation scores a sequence (average log-likelihood), which limits
/// length exploitation; γ &gt; 0 asks for a margin, as in a large-margin classifier.
/// <para><b>Convention:</b> <see cref="Gamma"/> is the margin γ itself, as in the paper's equation (TRL's CPO
/// <c>simpo_gamma</c> is the same quantity). The SimPO repository's configs instead set <c>gamma_beta_ratio</c> = γ/β; to
/// use such a config, pass γ = gamma_beta_ratio · β.</para>
/// <para>Hyperparameters: the paper tunes β ∈ [2.0, 2.5] (later advice: up to 10) and γ ∈ [0.5, 1.5]; defaults here
/// β = 2.0, γ = 0.5.</para>
/// </summary>
public sealed class SimPoLoss : IPreferenceLoss
{
    public const double DefaultBeta = 2.0;
    public const double DefaultGamma = 0.5;

    public SimPoLoss(double beta = DefaultBeta, double gamma = DefaultGamma)
    {
        Beta = PreferenceChecks.Beta(beta, Name, "2.0–2.5");
        Gamma = PreferenceChecks.Require(double.IsFinite(gamma) && gamma >= 0, gamma, Name, "Gamma",
            "γ is the target reward margin and must be a finite number >= 0 (the paper: 0.5–1.5)");
    }

    public string Name => "simpo";

    /// <summary>β, the scale of the length-averaged reward.</summary>
    public double Beta { get; }

    /// <summary>γ, the target reward margin (the term itself, not γ/β).</summary>
    public double Gamma { get; }

    public PreferenceDataKind DataKind => PreferenceDataKind.Paired;

    public bool NeedsReference => false;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        (Tensor chosen, Tensor rejected, Tensor chosenTokens, Tensor rejectedTokens) = PreferenceChecks.WithLengths(inputs, Name);
        using var sc = new ScalarScope();
        Tensor chosenRewards = chosen / chosenTokens * sc[Beta];         // [B] β/|y_w|·log π_θ(y_w)
        Tensor rejectedRewards = rejected / rejectedTokens * sc[Beta];   // [B] β/|y_l|·log π_θ(y_l)
        Tensor losses = -(chosenRewards - rejectedRewards - sc[Gamma]).log_sigmoid();  // [B]
        Tensor loss = losses.mean();                                     // []
        var metrics = PreferenceChecks.PairedMetrics(loss, chosenRewards, rejectedRewards, chosen, rejected);
        return new LossOutput(loss.MoveToOuterDisposeScope(), metrics);
    }
}
