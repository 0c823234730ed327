// The registry of KL-coefficient controllers.

namespace Hybrid.Algorithms.Rl;

/// <summary>The settings a controller is built from: β₀, and for <c>adaptive</c> the target KL and horizon (TRL: 6, 10000).</summary>
public sealed record KlControllerSettings(double InitialCoefficient, double Target = 6.0, long Horizon = 10_000);

/// <summary>The KL-controller axis: fixed, adaptive.</summary>
public static class KlControllers
{
    public static Registry<Func<KlControllerSettings, IKlController>> Registry { get; } =
        new Registry<Func<KlControllerSettings, IKlController>>("kl controller")
            .Add("fixed", () => s => new FixedKlController(s.InitialCoefficient))
            .Add("adaptive", () => s => new AdaptiveKlController(s.InitialCoefficient, s.Target, s.Horizon));

    public static IKlController Create(string name, KlControllerSettings settings) => Registry.Create(name)(settings);
}
