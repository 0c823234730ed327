// Bounds on training options beyond which a run cannot be meaningful, checked when a config is validated.

namespace Hybrid.Training.Stability;

public static class TrainingLimits
{
    /// <summary>
    /// Largest accepted learning rate. AdamW moves every weight by about lr per step whatever the gradient's size, and the
    /// weights of these models are O(0.02–1): at lr above 1 the first step already overwrites the model (lr 1e6 overflowed
    /// the residual stream in float32 and made every logit 0). Fine-tuning uses 1e-7–1e-3.
    /// </summary>
    public const double MaxLearningRate = 1.0;

    /// <summary>A learning rate in (0, <see cref="MaxLearningRate"/>]; false for NaN and infinities.</summary>
    public static bool IsValidLearningRate(double lr) => lr is > 0 and <= MaxLearningRate;
}
