// The one place every trainer applies an optimizer step: clip, and apply only when the loss and gradients are finite.
using Hybrid.Tensors.Optim;

namespace Hybrid.Training.Stability;

/// <summary>
/// Clips the accumulated gradients to <c>maxGradNorm</c> and applies AdamW at <c>learningRate</c> — unless the step's loss
/// or the gradient norm is not finite, or the norm is exactly 0 (nothing reached the weights: the activations
/// overflowed or the model collapsed), in which case the weights and the optimizer state are left untouched. The
/// gradients are dropped either way. The caller counts refused steps with <see cref="DivergenceGuard"/>.
/// </summary>
public static class GuardedOptimizerStep
{
    /// <summary>Returns the gradient norm before clipping and whether the step was applied.</summary>
    public static (double GradNorm, bool Applied) Apply(AdamW optimizer, double loss, double maxGradNorm, double learningRate)
    {
        double gradNorm = GradientClipping.ClipGradNorm(optimizer.Parameters, maxGradNorm);
        bool apply = double.IsFinite(loss) && double.IsFinite(gradNorm) && gradNorm > 0;
        if (apply)
        {
            optimizer.LearningRate = learningRate;
            optimizer.Step();
        }
        optimizer.ZeroGrad();
        return (gradNorm, apply);
    }
}
