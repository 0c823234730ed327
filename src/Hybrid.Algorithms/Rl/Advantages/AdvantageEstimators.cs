// The registry of advantage estimators under their literature names.

namespace Hybrid.Algorithms.Rl;

/// <summary>The advantage-estimator axis: grpo, dr_grpo, rloo, reinforce, reinforce_baseline, reinforce_pp, remax, gae.</summary>
public static class AdvantageEstimators
{
    public static Registry<Func<AdvantageSettings, IAdvantageEstimator>> Registry { get; } = new Registry<Func<AdvantageSettings, IAdvantageEstimator>>("advantage estimator")
        .Add("grpo", () => s => new GrpoAdvantage(s))
        .Add("dr_grpo", () => s => new DrGrpoAdvantage(s))
        .Add("rloo", () => s => new RlooAdvantage(s))
        .Add("reinforce", () => s => new ReinforceAdvantage(s))
        .Add("reinforce_baseline", () => s => new ReinforceBaselineAdvantage(s))
        .Add("reinforce_pp", () => s => new ReinforcePlusPlusAdvantage(s))
        .Add("remax", () => s => new RemaxAdvantage(s))
        .Add("gae", () => s => new GaeAdvantage(s));

    /// <summary>A new estimator by name with <paramref name="settings"/> (default: γ = 1, λ = 0.95, ε = 1e-6); an unknown name throws listing the known ones.</summary>
    public static IAdvantageEstimator Create(string name, AdvantageSettings? settings = null) => Registry.Create(name)(settings ?? new AdvantageSettings());
}
