// Linear warm-up then cosine decay of the learning rate, as Hugging Face's get_cosine_schedule_with_warmup.

namespace Hybrid.Tensors.Optim;

/// <summary>
/// lr(s) = base · s / W for s &lt; W (warm-up over W steps), then
/// lr(s) = base · (r + (1 − r) · ½(1 + cos(π · (s − W) / (S − W)))) until S total steps, where r is the floor ratio
/// (0 as in Hugging Face; clamped at S). Step s counts completed optimizer steps, starting at 0.
/// </summary>
public sealed record WarmupCosineSchedule
{
    public WarmupCosineSchedule(double baseLearningRate, long warmupSteps, long totalSteps, double minLearningRateRatio = 0)
    {
        if (baseLearningRate < 0) throw new ArgumentOutOfRangeException(nameof(baseLearningRate), baseLearningRate, "must be >= 0");
        if (warmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(warmupSteps), warmupSteps, "must be >= 0");
        if (totalSteps < warmupSteps)
            throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, $"must be >= warmupSteps ({warmupSteps})");
        if (minLearningRateRatio is < 0 or > 1)
            throw new ArgumentOutOfRangeException(nameof(minLearningRateRatio), minLearningRateRatio, "must be in [0, 1]");
        BaseLearningRate = baseLearningRate;
        WarmupSteps = warmupSteps;
        TotalSteps = totalSteps;
        MinLearningRateRatio = minLearningRateRatio;
    }

    public double BaseLearningRate { get; }
    public long WarmupSteps { get; }
    public long TotalSteps { get; }
    public double MinLearningRateRatio { get; }

    /// <summary>The learning rate for the optimizer step that follows <paramref name="step"/> completed steps.</summary>
    public double LearningRateAt(long step)
    {
        if (step < WarmupSteps) return BaseLearningRate * step / Math.Max(1, WarmupSteps);
        double progress = Math.Min(1.0, (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps));
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return BaseLearningRate * (MinLearningRateRatio + (1 - MinLearningRateRatio) * cosine);
    }
}
