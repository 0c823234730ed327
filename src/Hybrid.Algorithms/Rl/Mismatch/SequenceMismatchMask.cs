// Sequence-level rejection of responses whose rollout and trainer log-probs disagree too much.

namespace Hybrid.Algorithms.Rl;

/// <summary>How a response's rollout/trainer disagreement is measured.</summary>
public enum SequenceMismatchMode
{
    /// <summary>mean_t |log π_old − log π_rollout| &gt; threshold → masked.</summary>
    MeanAbsLogRatio,

    /// <summary>exp(mean_t (log π_old − log π_rollout)) outside [lower, upper] → masked (the geometric-mean ratio).</summary>
    GeometricMeanRatio,
}

/// <summary>
/// Masked importance sampling at the sequence level (the companion of <see cref="TruncatedImportanceSampling"/>; Yao et
/// al. 2025; verl's rollout rejection sampling): a response whose tokens disagree too much between the rollout engine
/// and the trainer is dropped whole, rather than reweighted. Defaults: mean |log ratio| &gt; ln 2, or a geometric-mean
/// ratio outside [0.5, 2] (the same "factor 2" as the TIS cap). Returns the new mask [N, A] (use it for the policy
/// loss's aggregation) and <c>rollout_corr/seq_masked_frac</c> (fraction of non-empty responses masked).
/// </summary>
public sealed class SequenceMismatchMask
{
    public SequenceMismatchMask(SequenceMismatchMode mode = SequenceMismatchMode.MeanAbsLogRatio, double threshold = 0.6931471805599453,
        double lower = 0.5, double upper = 2.0)
    {
        if (!(threshold > 0)) throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "the mean |log ratio| threshold must be > 0, e.g. ln 2");
        if (!(lower > 0 && lower < 1 && upper > 1)) throw new ArgumentOutOfRangeException(nameof(lower), $"[{lower}, {upper}]", "the ratio bounds must satisfy 0 < lower < 1 < upper, e.g. [0.5, 2]");
        Mode = mode;
        Threshold = threshold;
        Lower = lower;
        Upper = upper;
    }

    public SequenceMismatchMode Mode { get; }

    public double Threshold { get; }

    public double Lower { get; }

    public double Upper { get; }

    public (Tensor Mask, IReadOnlyDictionary<string, double> Metrics) Apply(Tensor rolloutLogProbs, Tensor oldLogProbs, Tensor mask)
    {
        RlMath.CheckShape(rolloutLogProbs, nameof(rolloutLogProbs), mask.shape);
        RlMath.CheckShape(oldLogProbs, nameof(oldLogProbs), mask.shape);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var sc = new ScalarScope();
        Tensor logRatio = oldLogProbs - rolloutLogProbs;                             // [N, A] log(π_old/π_rollout)
        Tensor rejected = Mode == SequenceMismatchMode.MeanAbsLogRatio               // [N, 1] bool
            ? RlMath.RowMaskedMean(logRatio.abs(), mask).gt(sc[Threshold])
            : RlMath.RowMaskedMean(logRatio, mask).lt(sc[Math.Log(Lower)]).logical_or(RlMath.RowMaskedMean(logRatio, mask).gt(sc[Math.Log(Upper)]));
        Tensor present = mask.sum(1, keepdim: true).gt(sc[0]);                       // [N, 1] bool
        Tensor dropped = rejected.logical_and(present).to(mask.dtype);                // [N, 1]
        Tensor kept = mask * sc.RSub(1.0, dropped);                                    // [N, A]
        double fraction = dropped.sum().ToDouble() / Math.Max(present.to(mask.dtype).sum().ToDouble(), 1);
        return (kept.MoveToOuterDisposeScope(), new Dictionary<string, double>(StringComparer.Ordinal) { ["rollout_corr/seq_masked_frac"] = fraction });
    }
}
