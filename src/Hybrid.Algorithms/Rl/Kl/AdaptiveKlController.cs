// The adaptive KL coefficient of Ziegler et al.: β moves proportionally towards a target KL.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>adaptive</c> — Ziegler et al. 2019, "Fine-Tuning Language Models from Human Preferences" (arXiv 1909.08593), TRL's
/// AdaptiveKLController: e = clip(KL/KL_target − 1, −0.2, 0.2), β ← β·(1 + e·n/horizon), where n is the number
/// of samples of the iteration that measured KL. β grows while the KL is above target and shrinks below it, at most 20 %
/// per horizon of samples. TRL defaults: β₀ = 0.2, target = 6 (nats per sequence), horizon = 10000.
/// </summary>
public sealed class AdaptiveKlController : IKlController
{
    public bool NeedsMeasuredKl => true;

    public AdaptiveKlController(double initialCoefficient = 0.2, double target = 6.0, long horizon = 10_000)
    {
        if (!(initialCoefficient > 0)) throw new ArgumentOutOfRangeException(nameof(initialCoefficient), initialCoefficient, "adaptive KL: β₀ must be > 0 (TRL: 0.2)");
        if (!(target > 0)) throw new ArgumentOutOfRangeException(nameof(target), target, "adaptive KL: the target KL must be > 0 (TRL: 6)");
        if (horizon <= 0) throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "adaptive KL: the horizon must be > 0 (TRL: 10000)");
        Value = initialCoefficient;
        Target = target;
        Horizon = horizon;
    }

    public string Name => "adaptive";

    public double Value { get; private set; }

    public double Target { get; }

    public long Horizon { get; }

    public void Restore(double value) => Value = value > 0 && double.IsFinite(value)
        ? value : throw new ArgumentOutOfRangeException(nameof(value), value, "adaptive KL: a resumed β must be finite and > 0");

    public void Update(double currentKl, long steps)
    {
        double error = Math.Clamp(currentKl / Target - 1.0, -0.2, 0.2);
        Value *= 1.0 + error * steps / Horizon;
    }
}
