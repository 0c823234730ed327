// The hyperparameters a policy loss can be built with; each null keeps that loss's own default.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// What <see cref="PolicyLosses.Create"/> passes to a loss's constructor. A field left null keeps the loss's default (a
/// named constant on the loss: <see cref="PpoClipLoss.DefaultClip"/>, <see cref="GspoLoss.DefaultClipLow"/>, …); a field
/// set for a loss that does not take it is an error, so a misplaced setting never goes silently unused.
/// </summary>
public sealed record PolicyLossSettings
{
    /// <summary>ε_low: the ratio is clipped below at 1 − ε_low (gmpo: the log-ratio at −ε_low).</summary>
    public double? ClipLow { get; init; }

    /// <summary>ε_high: the ratio is clipped above at 1 + ε_high (gmpo: the log-ratio at +ε_high).</summary>
    public double? ClipHigh { get; init; }

    /// <summary>Dual-clip constant c &gt; 1 (Ye et al. 2020; verl 3.0): for Â &lt; 0 the loss is capped at −Â·c. null = off.</summary>
    public double? DualClip { get; init; }

    /// <summary>β of a loss that has its own (gvpo).</summary>
    public double? Beta { get; init; }
}
