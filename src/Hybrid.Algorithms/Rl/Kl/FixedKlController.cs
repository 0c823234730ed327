// A KL coefficient that never changes.

namespace Hybrid.Algorithms.Rl;

/// <summary><c>fixed</c> — β stays at its initial value (GRPO: 0.04; REINFORCE++: 0.01). TRL's FixedKLController.</summary>
public sealed class FixedKlController : IKlController
{
    public FixedKlController(double coefficient)
    {
        if (!(coefficient >= 0)) throw new ArgumentOutOfRangeException(nameof(coefficient), coefficient, "the KL coefficient β must be ≥ 0");
        Value = coefficient;
    }

    public string Name => "fixed";

    public double Value { get; }

    public void Update(double currentKl, long steps) { }
}
