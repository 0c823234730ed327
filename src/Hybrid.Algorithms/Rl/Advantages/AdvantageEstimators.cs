// The registry of advantage estimators under their literature names.
namespace Hybrid.Algorithms.Rl;

/// <summary>The advantage-estimator axis: grpo, dr_grpo, rloo, reinforce, reinforce_baseline, reinforce_pp, remax, gae.</summary>
public static class AdvantageEstimators
{
    public static Registry<IAdvantageEstimator> Registry { get; } = new Registry<IAdvantageEstimator>("advantage estimator")
        .Add("grpo", () => new GrpoAdvantage())
        .Add("dr_grpo", () => new DrGrpoAdvantage())
        .Add("rloo", () => new RlooAdvantage())
        .Add("reinforce", () => new ReinforceAdvantage())
        .Add("reinforce_baseline", () => new ReinforceBaselineAdvantage())
        .Add("reinforce_pp", () => new ReinforcePlusPlusAdvantage())
        .Add("remax", () => new RemaxAdvantage())
        .Add("gae", () => new GaeAdvantage());

    /// <summary>A new estimator by name; an unknown name throws listing the known ones.</summary>
    public static IAdvantageEstimator Create(string name) => Registry.Create(name);
}
