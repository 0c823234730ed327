// The hyperparameters an advantage estimator is built with: discount, GAE's λ, the normalisation ε, whitening.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// What <see cref="AdvantageEstimators.Create"/> passes to an estimator's constructor, validated there. Defaults are
/// TRL's/verl's (γ = 1, λ = 0.95, ε = 1e-6); presets reference these constants rather than repeating them.
/// </summary>
public sealed record AdvantageSettings
{
    public const double DefaultGamma = 1.0, DefaultLambda = 0.95, DefaultEpsilon = 1e-6;

    /// <summary>γ discount of returns (gae, reinforce, reinforce_pp, remax), in [0, 1].</summary>
    public double Gamma { get; init; } = DefaultGamma;

    /// <summary>λ of GAE, in [0, 1].</summary>
    public double Lambda { get; init; } = DefaultLambda;

    /// <summary>ε added to the std in group and batch normalisation, &gt; 0.</summary>
    public double Epsilon { get; init; } = DefaultEpsilon;

    /// <summary>Whiten the advantages over the batch's masked tokens after the estimator runs; null = the estimator's own
    /// default (on for gae and reinforce_pp, off for the others).</summary>
    public bool? Whiten { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field (its parameter name) for a bad value.</summary>
    public AdvantageSettings Validate(string estimator)
    {
        if (!(Gamma is >= 0 and <= 1)) throw new ArgumentException($"{estimator}: Gamma = {Gamma}: γ must lie in [0, 1] (TRL 1)", nameof(Gamma));
        if (!(Lambda is >= 0 and <= 1)) throw new ArgumentException($"{estimator}: Lambda = {Lambda}: λ must lie in [0, 1] (TRL 0.95)", nameof(Lambda));
        if (!(Epsilon > 0 && double.IsFinite(Epsilon))) throw new ArgumentException($"{estimator}: Epsilon = {Epsilon}: ε must be > 0 (1e-6)", nameof(Epsilon));
        return this;
    }
}
