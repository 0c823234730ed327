// AdamW, global-norm clipping and the warm-up + cosine schedule against their formulas worked by hand.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;

namespace Hybrid.Tensors.Tests;

public class OptimizerTests
{
    /// <summary>
    /// Three AdamW steps on p = [1, -2, 0.5] with gradients chosen per step, against the update rule evaluated in doubles:
    /// p -= lr·λ·p; m = β1 m + (1-β1) g; v = β2 v + (1-β2) g²; p -= lr/(1-β1^t) · m / (√v/√(1-β2^t) + ε).
    /// </summary>
    [Fact]
    public void AdamWMatchesTheUpdateFormulaForThreeSteps()
    {
        const double lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.01;
        double[] p = [1.0, -2.0, 0.5];
        double[][] grads = [[0.5, -1.0, 2.0], [0.1, 0.3, -0.7], [-0.4, 0.0, 1.5]];
        using var param = torch.tensor(p).requires_grad_();
        using var optimizer = new AdamW([param], lr, b1, b2, eps, wd);

        double[] m = new double[3], v = new double[3];
        for (int t = 1; t <= 3; t++)
        {
            using var scope = NewDisposeScope();
            // loss = Σ g_i · p_i has gradient g exactly.
            (torch.tensor(grads[t - 1]) * param).sum().backward();
            optimizer.Step();
            optimizer.ZeroGrad();

            for (int i = 0; i < 3; i++)
            {
                double g = grads[t - 1][i];
                p[i] -= lr * wd * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double denom = Math.Sqrt(v[i]) / Math.Sqrt(1 - Math.Pow(b2, t)) + eps;
                p[i] -= lr / (1 - Math.Pow(b1, t)) * m[i] / denom;
            }
            double[] got = param.data<double>().ToArray();
            for (int i = 0; i < 3; i++) Assert.Equal(p[i], got[i], 12);
            double[] gotM = optimizer.ExpAvg[0].data<double>().ToArray(), gotV = optimizer.ExpAvgSq[0].data<double>().ToArray();
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(m[i], gotM[i], 14);
                Assert.Equal(v[i], gotV[i], 14);
            }
        }
        Assert.Equal(3, optimizer.StepCount);
        // Hand check of step 1, element 0: decay 1 → 0.999; m̂ = g, v̂ = g², so the step is lr·g/(|g|+ε) ≈ 0.1.
    }

    [Fact]
    public void AdamWFirstStepMovesEachWeightByLearningRateTimesSignOfGradient()
    {
        // With λ = 0, t = 1: m̂ = g, v̂ = g² ⇒ Δp = -lr · g / (|g| + ε) = -lr · sign(g) (up to ε).
        using var param = torch.tensor(new double[] { 3, 3, 3 }).requires_grad_();
        using var optimizer = new AdamW([param], lr: 0.5, weightDecay: 0);
        using (NewDisposeScope()) (torch.tensor(new double[] { 4, -0.25, 1e3 }) * param).sum().backward();
        optimizer.Step();
        double[] got = param.data<double>().ToArray();
        Assert.Equal(2.5, got[0], 6);
        Assert.Equal(3.5, got[1], 6);
        Assert.Equal(2.5, got[2], 6);
    }

    [Fact]
    public void AdamWSkipsParametersWithoutGradient()
    {
        using var a = torch.tensor(new double[] { 1 }).requires_grad_();
        using var b = torch.tensor(new double[] { 1 }).requires_grad_();
        using var optimizer = new AdamW([a, b], lr: 0.1, weightDecay: 0.5);
        using (NewDisposeScope()) (a * 2.0).sum().backward();
        optimizer.Step();
        Assert.NotEqual(1.0, a.data<double>().ToArray()[0]);
        Assert.Equal(1.0, b.data<double>().ToArray()[0]);  // no gradient: not even weight decay is applied (as PyTorch)
    }

    [Fact]
    public void ClipGradNormScalesToMaxNormAndReturnsTheNormBefore()
    {
        using var a = torch.tensor(new double[] { 1, 1 }).requires_grad_();
        using var b = torch.tensor(new double[] { 1 }).requires_grad_();
        using var scope = NewDisposeScope();
        // grads: a → [3, 4], b → [12]; global norm √(9 + 16 + 144) = 13.
        (torch.tensor(new double[] { 3, 4 }) * a).sum().add((b * 12.0).sum()).backward();
        double norm = GradientClipping.ClipGradNorm([a, b], maxNorm: 1.3);
        Assert.Equal(13.0, norm, 12);  // float64 gradients keep float64 precision
        double coef = 1.3 / (13.0 + 1e-6);
        double[] ga = a.grad!.data<double>().ToArray(), gb = b.grad!.data<double>().ToArray();
        Assert.Equal(3 * coef, ga[0], 12);
        Assert.Equal(4 * coef, ga[1], 12);
        Assert.Equal(12 * coef, gb[0], 12);
    }

    [Fact]
    public void ClipGradNormAcceptsMixedDtypes()
    {
        // bf16 grad [2, 0] (exact in bf16) and float32 grad [0, 0, 0, 1.5]: norm √(4 + 2.25) = 2.5.
        using var a = torch.tensor(new float[] { 1, 1 }).to(ScalarType.BFloat16).DetachFromDisposeScope().requires_grad_();
        using var b = torch.tensor(new float[] { 1, 1, 1, 1 }).requires_grad_();
        using var scope = NewDisposeScope();
        (a.to(ScalarType.Float32) * torch.tensor(new float[] { 2, 0 })).sum().add((b * torch.tensor(new float[] { 0, 0, 0, 1.5f })).sum()).backward();
        Assert.Equal(2.5, GradientClipping.ClipGradNorm([a, b], 10.0), 6);
    }

    [Fact]
    public void ClipGradNormLeavesSmallGradientsAlone()
    {
        using var a = torch.tensor(new double[] { 1, 1 }).requires_grad_();
        using var scope = NewDisposeScope();
        (torch.tensor(new double[] { 0.3, 0.4 }) * a).sum().backward();
        Assert.Equal(0.5, GradientClipping.ClipGradNorm([a], 1.0), 6);
        Assert.Equal(new[] { 0.3, 0.4 }, a.grad!.data<double>().ToArray());
    }

    [Fact]
    public void WarmupCosineScheduleMatchesHandValues()
    {
        var s = new WarmupCosineSchedule(baseLearningRate: 1.0, warmupSteps: 4, totalSteps: 12);
        Assert.Equal(0.0, s.LearningRateAt(0));
        Assert.Equal(0.25, s.LearningRateAt(1), 12);
        Assert.Equal(0.75, s.LearningRateAt(3), 12);
        Assert.Equal(1.0, s.LearningRateAt(4), 12);                                // cos(0) = 1
        Assert.Equal(0.5 * (1 + Math.Cos(Math.PI / 4)), s.LearningRateAt(6), 12);  // progress 2/8
        Assert.Equal(0.5, s.LearningRateAt(8), 12);                                // progress ½: cos(π/2) = 0
        Assert.Equal(0.0, s.LearningRateAt(12), 12);
        Assert.Equal(0.0, s.LearningRateAt(20), 12);                               // clamped past the end
        var floor = new WarmupCosineSchedule(2.0, 0, 10, minLearningRateRatio: 0.1);
        Assert.Equal(2.0 * (0.1 + 0.9 * 0.5), floor.LearningRateAt(5), 12);
        Assert.Throws<ArgumentOutOfRangeException>(() => new WarmupCosineSchedule(1, 10, 5));
    }
}
