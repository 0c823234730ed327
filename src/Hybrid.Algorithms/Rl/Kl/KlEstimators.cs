// The registry of per-token KL estimators.

namespace Hybrid.Algorithms.Rl;

/// <summary>The KL-estimator axis: k1, abs, k2, k3 (docs/algorithms.md).</summary>
public static class KlEstimators
{
    public static Registry<IKlEstimator> Registry { get; } = new Registry<IKlEstimator>("kl estimator")
        .Add("k1", () => new K1())
        .Add("abs", () => new AbsKl())
        .Add("k2", () => new K2())
        .Add("k3", () => new K3());

    public static IKlEstimator Create(string name) => Registry.Create(name);
}
