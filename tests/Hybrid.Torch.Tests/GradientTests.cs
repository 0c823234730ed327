// Every differentiable op's autograd gradient checked against central finite differences, plus the autograd controls.
using Hybrid.Torch;
using Hybrid.Torch.NN;

namespace Hybrid.Torch.Tests;

public class GradientTests
{
    // A [2, 3] input with distinct magnitudes, no zeros and no ties; and a strictly positive one for log/sqrt/pow.
    private static readonly double[] Mixed = [0.3, -1.2, 0.8, 1.7, -0.4, 2.1];
    private static readonly double[] Positive = [0.3, 1.2, 0.8, 1.7, 0.45, 2.1];

    private static void Unary(Func<Tensor, Tensor> op, double[] x) => FiniteDifferences.Check(op, x, 2, 3);

    private static GradInput In(double[] values, params long[] shape) => new(values, shape);

    private static Tensor Longs(long[] values, params long[] shape) => LibTorch.Tensor(values, shape);

    private static Tensor Bools(bool[] values, params long[] shape) => LibTorch.Tensor(values, shape);

    // ---- unary ---------------------------------------------------------------------------------------------------------

    [Fact]
    public void Neg() { using var scope = LibTorch.NewScope(); Unary(x => x.Neg(), Mixed); Unary(x => -x, Mixed); }

    [Fact]
    public void AbsAwayFromZero() { using var scope = LibTorch.NewScope(); Unary(x => x.Abs(), Mixed); }

    [Fact]
    public void Exp() { using var scope = LibTorch.NewScope(); Unary(x => x.Exp(), Mixed); }

    [Fact]
    public void Log() { using var scope = LibTorch.NewScope(); Unary(x => x.Log(), Positive); }

    [Fact]
    public void Log1p() { using var scope = LibTorch.NewScope(); Unary(x => x.Log1p(), [0.3, -0.6, 0.8, 1.7, -0.4, 2.1]); }

    [Fact]
    public void Sqrt() { using var scope = LibTorch.NewScope(); Unary(x => x.Sqrt(), Positive); }

    [Fact]
    public void Rsqrt() { using var scope = LibTorch.NewScope(); Unary(x => x.Rsqrt(), Positive); }

    [Fact]
    public void Sigmoid() { using var scope = LibTorch.NewScope(); Unary(x => x.Sigmoid(), Mixed); }

    [Fact]
    public void LogSigmoid() { using var scope = LibTorch.NewScope(); Unary(x => x.LogSigmoid(), [0.3, -1.2, 0.8, 1.7, -30, 25]); }

    [Fact]
    public void Silu() { using var scope = LibTorch.NewScope(); Unary(x => x.Silu(), Mixed); }

    [Fact]
    public void ReluAwayFromZero() { using var scope = LibTorch.NewScope(); Unary(x => x.Relu(), Mixed); }

    [Fact]
    public void Tanh() { using var scope = LibTorch.NewScope(); Unary(x => x.Tanh(), Mixed); }

    [Fact]
    public void CosAndSin()
    {
        using var scope = LibTorch.NewScope();
        Unary(x => x.Cos(), Mixed);
        Unary(x => x.Sin(), Mixed);
    }

    // ---- binary, both arguments, with broadcasting ---------------------------------------------------------------------

    private static void Binary(Func<Tensor, Tensor, Tensor> op, double[] a, long[] aShape, double[] b, long[] bShape) =>
        FiniteDifferences.Check(xs => op(xs[0], xs[1]), [In(a, aShape), In(b, bShape)]);

    [Fact]
    public void AddSubMulDivBroadcasting()
    {
        using var scope = LibTorch.NewScope();
        double[] row = [0.7, -1.3, 2.2];
        Binary((a, b) => a + b, Mixed, [2, 3], row, [3]);
        Binary((a, b) => a - b, Mixed, [2, 3], row, [3]);
        Binary((a, b) => b - a, Mixed, [2, 3], [0.5, -0.25], [2, 1]);
        Binary((a, b) => a * b, Mixed, [2, 3], row, [3]);
        Binary((a, b) => a / b, Mixed, [2, 3], row, [1, 3]);
        Binary((a, b) => b / a, Mixed, [2, 3], [1.5], [1]);
    }

    [Fact]
    public void ScalarArithmetic()
    {
        using var scope = LibTorch.NewScope();
        Unary(x => x + 2.5, Mixed);
        Unary(x => x - 2.5, Mixed);
        Unary(x => 2.5 - x, Mixed);
        Unary(x => x * -1.5, Mixed);
        Unary(x => x / 4.0, Mixed);
        Unary(x => 2.0 / x, Mixed);
    }

    [Fact]
    public void PowBothArguments()
    {
        using var scope = LibTorch.NewScope();
        Binary((a, b) => a.Pow(b), Positive, [2, 3], [1.5, -0.5, 2.0], [3]);
        Unary(x => x.Pow(3), Mixed);
        Unary(x => x.Pow(0.5), Positive);
    }

    [Fact]
    public void MaximumMinimumDistinctValues()
    {
        using var scope = LibTorch.NewScope();
        double[] other = [0.1, -0.9, 1.1, 1.5, -0.8, 2.4];
        Binary((a, b) => a.Maximum(b), Mixed, [2, 3], other, [2, 3]);
        Binary((a, b) => a.Minimum(b), Mixed, [2, 3], other, [2, 3]);
        Binary((a, b) => a.Maximum(b), Mixed, [2, 3], [0.5], [1]);
    }

    [Fact]
    public void ClampAwayFromBounds()
    {
        using var scope = LibTorch.NewScope();
        Unary(x => x.Clamp(-1.0, 1.0), Mixed);
        Unary(x => x.Clamp(min: 0.5), Mixed);
        Unary(x => x.Clamp(max: 0.5), Mixed);
    }

    [Fact]
    public void WhereBothBranches()
    {
        using var scope = LibTorch.NewScope();
        Tensor condition = Bools([true, false, true, false, false, true], 2, 3);
        Binary((a, b) => LibTorch.Where(condition, a, b), Mixed, [2, 3], [0.7, -1.3, 2.2], [3]);
    }

    [Fact]
    public void MaskedFill()
    {
        using var scope = LibTorch.NewScope();
        Tensor mask = Bools([false, true, false], 1, 3);
        Unary(x => x.MaskedFill(mask, -7.0) * x, Mixed);
    }

    [Fact]
    public void MatMul()
    {
        using var scope = LibTorch.NewScope();
        double[] b = [0.5, -1.0, 1.5, 2.0, -0.3, 0.9];
        Binary((x, y) => x.MatMul(y), Mixed, [2, 3], b, [3, 2]);
        double[] batch = [.. Mixed, .. Positive];
        Binary((x, y) => x.MatMul(y), batch, [2, 2, 3], b, [3, 2]);  // broadcast over the batch
        Binary((x, y) => x.MatMul(y), Mixed, [2, 3], [0.4, -0.6, 1.1], [3]);  // matrix × vector
    }

    [Fact]
    public void Bmm()
    {
        using var scope = LibTorch.NewScope();
        double[] a = [.. Mixed, .. Positive];
        double[] b = [0.5, -1.0, 1.5, 2.0, -0.3, 0.9, 1.2, 0.1, -0.7, 0.6, 0.2, -1.4];
        Binary((x, y) => x.Bmm(y), a, [2, 2, 3], b, [2, 3, 2]);
    }

    // ---- reductions and normalisations ---------------------------------------------------------------------------------

    private static readonly double[] Cube = [0.3, -1.2, 0.8, 1.7, -0.4, 2.1, 0.9, -0.2, 1.35, -1.6, 0.55, 1.05];  // [2, 2, 3]

    private static void OnCube(Func<Tensor, Tensor> op) => FiniteDifferences.Check(op, Cube, 2, 2, 3);

    [Fact]
    public void SumAndMean()
    {
        using var scope = LibTorch.NewScope();
        OnCube(x => x.Sum());
        OnCube(x => x.Sum(1));
        OnCube(x => x.Sum([0, 2], keepDim: true));
        OnCube(x => x.Mean());
        OnCube(x => x.Mean(-1));
        OnCube(x => x.Mean([0, 1], keepDim: true));
    }

    [Fact]
    public void MaxMinAlongDimDistinctValues()
    {
        using var scope = LibTorch.NewScope();
        OnCube(x => x.Max(2).Values);
        OnCube(x => x.Max(0, keepDim: true).Values);
        OnCube(x => x.Min(1).Values);
        OnCube(x => x.Max());
        OnCube(x => x.Min());
        OnCube(x => x.TopK(2).Values);
    }

    [Fact]
    public void LogSumExp()
    {
        using var scope = LibTorch.NewScope();
        OnCube(x => x.LogSumExp(-1));
        OnCube(x => x.LogSumExp([0, 2], keepDim: true));
    }

    [Fact]
    public void StdAndVar()
    {
        using var scope = LibTorch.NewScope();
        OnCube(x => x.Std(-1));
        OnCube(x => x.Var([0, 2], unbiased: false, keepDim: true));
    }

    [Fact]
    public void CumSum()
    {
        using var scope = LibTorch.NewScope();
        OnCube(x => x.CumSum(2));
        OnCube(x => x.CumSum(0));
    }

    [Fact]
    public void SoftmaxAndLogSoftmax()
    {
        using var scope = LibTorch.NewScope();
        OnCube(x => x.Softmax(-1));
        OnCube(x => x.Softmax(1));
        OnCube(x => x.LogSoftmax(-1));
        OnCube(x => x.LogSoftmax(0));
    }

    // ---- shape and indexing --------------------------------------------------------------------------------------------

    [Fact]
    public void ViewsAndPermutations()
    {
        using var scope = LibTorch.NewScope();
        OnCube(x => x.Reshape(3, -1));
        OnCube(x => x.View(4, 3).Transpose(0, 1));
        OnCube(x => x.Permute(2, 0, 1));
        OnCube(x => x.Transpose(0, 2));
        OnCube(x => x.Flatten(1));
        OnCube(x => x.Unsqueeze(1).Squeeze(1));
        OnCube(x => x.Repeat(1, 2, 1));
        OnCube(x => x.Transpose(0, 2).Contiguous());
        OnCube(x => x.Clone() * x);
        FiniteDifferences.Check(x => x.Expand(2, 3, 4), [0.3, -1.2, 0.8], 3, 1);
    }

    [Fact]
    public void SliceAndSelect()
    {
        using var scope = LibTorch.NewScope();
        OnCube(x => x.Slice(2, 0, long.MaxValue, 2));
        OnCube(x => x.Slice(2, -2, -1));
        OnCube(x => x.Select(1, 1));
        OnCube(x => x.Select(-1, -1));
    }

    [Fact]
    public void IndexSelectGatherScatterAddWithRepeatedIndices()
    {
        using var scope = LibTorch.NewScope();
        Tensor rows = Longs([2, 0, 2]);
        FiniteDifferences.Check(x => x.IndexSelect(0, rows), [.. Mixed, 0.6, -0.9, 1.4], 3, 3);
        Tensor gather = Longs([2, 2, 0, 1, 1, 0], 2, 3);
        Unary(x => x.Gather(1, gather), Mixed);
        Tensor scatter = Longs([0, 0, 2, 1], 2, 2);
        Binary((self, src) => self.ScatterAdd(1, scatter, src), Mixed, [2, 3], [0.25, -1.5, 0.75, 1.25], [2, 2]);
        Tensor distinct = Longs([0, 2, 1, 0], 2, 2);  // scatter (overwrite) is differentiable only without repeats
        Binary((self, src) => self.Scatter(1, distinct, src), Mixed, [2, 3], [0.25, -1.5, 0.75, 1.25], [2, 2]);
    }

    [Fact]
    public void CatAndStack()
    {
        using var scope = LibTorch.NewScope();
        Binary((a, b) => LibTorch.Cat([a, b], 0), Mixed, [2, 3], [0.7, -1.3, 2.2], [1, 3]);
        Binary((a, b) => LibTorch.Cat([a, b, a], 1), Mixed, [2, 3], [0.7, -1.3], [2, 1]);
        Binary((a, b) => LibTorch.Stack([a, b], 1), Mixed, [2, 3], Positive, [2, 3]);
    }

    [Fact]
    public void TriangularMasks()
    {
        using var scope = LibTorch.NewScope();
        double[] square = [.. Mixed, 0.6, -0.9, 1.4];
        foreach (long diagonal in new long[] { -1, 0, 1 })
        {
            FiniteDifferences.Check(x => x.Triu(diagonal), square, 3, 3);
            FiniteDifferences.Check(x => x.Tril(diagonal), square, 3, 3);
        }
    }

    // ---- nn ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void EmbeddingWithRespectToWeight()
    {
        using var scope = LibTorch.NewScope();
        Tensor ids = Longs([3, 0, 3, 1], 2, 2);  // row 3 used twice, row 2 never
        double[] weight = [.. Mixed, 0.6, -0.9, 1.4, 0.15, 1.9, -0.35];
        FiniteDifferences.Check(w => Functional.Embedding(w, ids), weight, 4, 3);
    }

    [Fact]
    public void LinearWithRespectToInputWeightAndBias()
    {
        using var scope = LibTorch.NewScope();
        double[] x = [.. Mixed, .. Positive];  // [2, 2, 3]
        double[] w = [0.5, -1.0, 1.5, 2.0, -0.3, 0.9, 1.2, 0.1, -0.7, 0.6, 0.2, -1.4];  // [4, 3]
        FiniteDifferences.Check(xs => Functional.Linear(xs[0], xs[1], xs[2]),
            [In(x, 2, 2, 3), In(w, 4, 3), In([0.1, -0.2, 0.3, 0.4], 4)]);
        FiniteDifferences.Check(xs => Functional.Linear(xs[0], xs[1]), [In(Mixed, 2, 3), In(Positive, 2, 3)]);
    }

    [Fact]
    public void RmsNormInFloat64()
    {
        // hy::rms_norm (native/hy_nn.h) computes in at least float32 and keeps Float64 inputs in Float64.
        using var scope = LibTorch.NewScope();
        double[] x = [0.3, -1.2, 0.8, 1.7, -0.4, 2.1, 0.9, -0.2];
        double[] weight = [1.1, 0.7, -0.5, 1.3];
        FiniteDifferences.Check(xs => Functional.RmsNorm(xs[0], xs[1], 1e-5), [In(x, 2, 4), In(weight, 4)]);
    }

    [Fact]
    public void RmsNormInFloat32()
    {
        // The float32 path (bf16/f16 inputs take it too). The output is widened to Float64 before the weighted sum (no
        // float32 reduction error), the step actually taken is measured after rounding x ± h to float32, and h = 2^-7
        // balances the central difference's truncation error (~h²·|f'''|/6 ≈ 1e-5) against float32 rounding in f
        // (~6e-8·|f|/h ≈ 1e-5). 1e-3 keeps a wide margin over both, yet a wrong formula (a missing 1/D in the mean or a
        // dropped weight term) is off by far more than that.
        using var scope = LibTorch.NewScope();
        double[] x = [0.3, -1.2, 0.8, 1.7, -0.4, 2.1, 0.9, -0.2];
        double[] weight = [1.1, 0.7, -0.5, 1.3];
        FiniteDifferences.Check(xs => Functional.RmsNorm(xs[0], xs[1], 1e-5),
            [new GradInput(x, [2, 4], DType.Float32), new GradInput(weight, [4], DType.Float32)], step: 1.0 / 128, tolerance: 1e-3);
    }

    private static readonly double[] Logits = [0.3, -1.2, 0.8, 1.7, -0.4, 2.1, 0.9, -0.2, 1.35, -1.6, 0.55, 1.05];  // [3, 4]

    [Fact]
    public void CrossEntropyReductions()
    {
        using var scope = LibTorch.NewScope();
        Tensor target = Longs([2, 0, 3]);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            FiniteDifferences.Check(z => Functional.CrossEntropy(z, target, reduction: reduction), Logits, 3, 4);
    }

    [Fact]
    public void CrossEntropyWithIgnoreIndexAndLabelSmoothing()
    {
        using var scope = LibTorch.NewScope();
        Tensor target = Longs([2, -100, 3]);
        FiniteDifferences.Check(z => Functional.CrossEntropy(z, target), Logits, 3, 4);
        FiniteDifferences.Check(z => Functional.CrossEntropy(z, Longs([2, 0, 3]), labelSmoothing: 0.1), Logits, 3, 4);
        foreach (Reduction reduction in new[] { Reduction.Mean, Reduction.Sum, Reduction.None })
            FiniteDifferences.Check(z => Functional.CrossEntropy(z, target, reduction: reduction, labelSmoothing: 0.2), Logits, 3, 4);
    }

    [Fact]
    public void ConversionBetweenFloatTypes()
    {
        using var scope = LibTorch.NewScope();
        // Float32 → Float64, then x² in float64: with the step measured after rounding x ± h to float32, the quotient
        // (x₊² − x₋²)/(x₊ − x₋) = x₊ + x₋ is off from 2x only by float32's spacing (~6e-8 relative), and so is the gradient.
        FiniteDifferences.Check(xs => xs[0].To(DType.Float64) * xs[0].To(DType.Float64), [new GradInput(Mixed, [2, 3], DType.Float32)]);
        // Float64 → Float32 → Float64: values and a step of 2^-10 are exactly representable in float32, so the round trip
        // loses nothing and the difference quotient is exact; the gradient is carried back through both conversions.
        double[] dyadic = [0.375, -1.25, 0.8125, 1.75, -0.4375, 2.125];
        FiniteDifferences.Check(xs => xs[0].To(DType.Float32).To(DType.Float64).Mul(3.0), [In(dyadic, 2, 3)], step: 1.0 / 1024);
    }

    [Fact]
    public void CheckerRejectsAWrongGradient()
    {
        using var scope = LibTorch.NewScope();
        // x.Detach()·x has autograd gradient x but true derivative 2x: the checker must tell them apart.
        var ex = Assert.Throws<Xunit.Sdk.XunitException>(() => FiniteDifferences.Check(x => x.Detach() * x, Mixed, 2, 3));
        Assert.Contains("finite difference", ex.Message);
    }

    // ---- autograd controls ---------------------------------------------------------------------------------------------

    private static Tensor Leaf(params double[] values) => LibTorch.Tensor(values).RequiresGradInPlace();

    [Fact]
    public void GradientAccumulatesOverTwoBackwardCallsAndZeroGradClearsIt()
    {
        using var scope = LibTorch.NewScope();
        Tensor x = Leaf(1.0, -2.0, 3.0);
        Assert.Null(x.Grad);
        (x * x).Sum().Backward();
        Assert.Equal([2.0, -4.0, 6.0], x.Grad!.ToArray<double>());
        (x * 3.0).Sum().Backward();
        Assert.Equal([5.0, -1.0, 9.0], x.Grad!.ToArray<double>());
        x.ZeroGrad();
        Assert.Null(x.Grad);
        x.Sum().Backward();
        Assert.Equal([1.0, 1.0, 1.0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void DetachCutsTheGraph()
    {
        using var scope = LibTorch.NewScope();
        Tensor x = Leaf(1.5, -2.0);
        Tensor d = x.Detach();
        Assert.False(d.RequiresGrad);
        (d * x).Sum().Backward();  // d/dx (c·x) with c = x held constant: c, not 2x
        Assert.Equal([1.5, -2.0], x.Grad!.ToArray<double>());
    }

    [Fact]
    public void NoGradRecordsNoGraph()
    {
        using var scope = LibTorch.NewScope();
        Tensor x = Leaf(1.0, 2.0);
        Tensor y;
        using (LibTorch.NoGrad())
        {
            Assert.False(LibTorch.IsGradEnabled);
            y = (x * x).Sum();
        }
        Assert.True(LibTorch.IsGradEnabled);
        Assert.False(y.RequiresGrad);
        Assert.Throws<TorchException>(() => y.Backward());
        Assert.True((x * x).Sum().RequiresGrad);
    }

    [Fact]
    public void RetainGraphAllowsASecondBackward()
    {
        using var scope = LibTorch.NewScope();
        Tensor x = Leaf(0.5, 2.0);
        Tensor y = (x.Exp() * x).Sum();
        y.Backward(retainGraph: true);
        y.Backward();
        double[] once = [Math.Exp(0.5) * 1.5, Math.Exp(2.0) * 3.0];  // d/dx x·eˣ = (1 + x)·eˣ
        double[] grad = x.Grad!.ToArray<double>();
        for (int i = 0; i < 2; i++) Assert.Equal(2 * once[i], grad[i], 1e-12);

        Tensor z = (x.Exp() * x).Sum();
        z.Backward();
        var ex = Assert.Throws<TorchException>(() => z.Backward());
        Assert.Contains("backward through the graph a second time", ex.Message);
    }

    [Fact]
    public void BackwardWithExplicitOutputGradient()
    {
        using var scope = LibTorch.NewScope();
        Tensor x = Leaf(1.0, 2.0, 3.0);
        (x * x).Backward(LibTorch.Tensor([1.0, 0.5, -1.0]));  // vector-Jacobian product: 2x · v
        Assert.Equal([2.0, 2.0, -6.0], x.Grad!.ToArray<double>());
    }
}
