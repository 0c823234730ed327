// Every bound op's forward result checked against values worked out by hand or by its formula in plain C# loops.
using System.Runtime.InteropServices;
using Hybrid.Torch;
using Hybrid.Torch.NN;

namespace Hybrid.Torch.Tests;

public class OpsForwardTests
{
    // ---- helpers -------------------------------------------------------------------------------------------------------

    private static Tensor D(double[] values, params long[] shape) => LibTorch.Tensor(values, shape);

    private static Tensor L(long[] values, params long[] shape) => LibTorch.Tensor(values, shape);

    private static Tensor B(bool[] values, params long[] shape) => LibTorch.Tensor(values, shape);

    /// <summary>The elements of a tensor of any non-16-bit dtype, as doubles (bools as 0/1).</summary>
    private static double[] Values(Tensor t) => t.DType switch
    {
        DType.Float64 => t.ToArray<double>(),
        DType.Float32 => Array.ConvertAll(t.ToArray<float>(), v => (double)v),
        DType.Int64 => Array.ConvertAll(t.ToArray<long>(), v => (double)v),
        DType.Int32 => Array.ConvertAll(t.ToArray<int>(), v => (double)v),
        DType.Bool => Array.ConvertAll(t.ToArray<bool>(), v => v ? 1.0 : 0.0),
        _ => throw new ArgumentOutOfRangeException(nameof(t), t.DType, "read 16-bit tensors with To() first"),
    };

    /// <summary>Asserts shape and every element within <paramref name="tolerance"/> relative to max(1, |expected|).</summary>
    private static void AssertTensor(double[] expected, long[] shape, Tensor actual, double tolerance = 1e-12)
    {
        Assert.Equal(shape, actual.Shape);
        double[] got = Values(actual);
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < got.Length; i++)
            if (expected[i] != got[i] && !(Math.Abs(expected[i] - got[i]) <= tolerance * Math.Max(1, Math.Abs(expected[i]))))
                throw new Xunit.Sdk.XunitException($"element {i}: expected {expected[i]:R}, got {got[i]:R}");
    }

    private static void AssertBools(bool[] expected, long[] shape, Tensor actual)
    {
        Assert.Equal(DType.Bool, actual.DType);
        Assert.Equal(shape, actual.Shape);
        Assert.Equal(expected, actual.ToArray<bool>());
    }

    private static void AssertLongs(long[] expected, long[] shape, Tensor actual)
    {
        Assert.Equal(DType.Int64, actual.DType);
        Assert.Equal(shape, actual.Shape);
        Assert.Equal(expected, actual.ToArray<long>());
    }

    private static double[] Map(double[] x, Func<double, double> f) => Array.ConvertAll(x, v => f(v));

    /// <summary>log(1 + x) without the cancellation of Math.Log(1 + x) for tiny x (Taylor series below 1e-4).</summary>
    private static double Log1pRef(double x) => Math.Abs(x) < 1e-4 ? x - x * x / 2 + x * x * x / 3 - x * x * x * x / 4 : Math.Log(1 + x);

    /// <summary>[n, m] × [m, p] row-major product.</summary>
    private static double[] MatMulRef(double[] a, double[] b, int n, int m, int p, int aOffset = 0, int bOffset = 0)
    {
        var c = new double[n * p];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < p; j++)
                for (int k = 0; k < m; k++)
                    c[i * p + j] += a[aOffset + i * m + k] * b[bOffset + k * p + j];
        return c;
    }

    // A [2, 3] matrix and a [3] row that broadcasts against it.
    private static readonly double[] A = [1, -2, 3.5, 4, 0.5, -6];
    private static readonly double[] Row = [2, -0.5, 4];

    private static double[] BroadcastRef(Func<double, double, double> f)
    {
        var e = new double[6];
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                e[i * 3 + j] = f(A[i * 3 + j], Row[j]);
        return e;
    }

    // ---- creation, copies back, metadata -------------------------------------------------------------------------------

    [Fact]
    public void CreatesFromArraysOfEachDTypeAndReportsMetadata()
    {
        using var scope = LibTorch.NewScope();
        var f = LibTorch.Tensor(new float[] { 1.5f, -2, 3, 4, 5, 6.25f }, 2, 3);
        Assert.Equal(DType.Float32, f.DType);
        Assert.Equal(2, f.Dim);
        Assert.Equal([2L, 3], f.Shape);
        Assert.Equal(3, f.Size(-1));
        Assert.Equal(2, f.Size(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => f.Size(2));
        Assert.Equal(6, f.NumEl);
        Assert.Equal(24, f.ByteCount);
        Assert.Equal("Tensor(Float32, [2, 3])", f.ToString());
        Assert.Equal(new float[] { 1.5f, -2, 3, 4, 5, 6.25f }, f.ToArray<float>());

        var l = LibTorch.Tensor(new long[] { long.MinValue, -1, 0, long.MaxValue });
        Assert.Equal(DType.Int64, l.DType);
        Assert.Equal([4L], l.Shape);
        Assert.Equal(new long[] { long.MinValue, -1, 0, long.MaxValue }, l.ToArray<long>());

        var b = LibTorch.Tensor(new bool[] { true, false, false, true }, 2, 2);
        Assert.Equal(DType.Bool, b.DType);
        Assert.Equal(new bool[] { true, false, false, true }, b.ToArray<bool>());

        var d = LibTorch.Tensor(new double[] { Math.PI, -1e-300, 1e300 }, 3, 1);
        Assert.Equal(DType.Float64, d.DType);
        Assert.Equal([3L, 1], d.Shape);
        Assert.Equal(new double[] { Math.PI, -1e-300, 1e300 }, d.ToArray<double>());

        var i = LibTorch.Tensor(new int[] { 7, -8 });
        Assert.Equal(DType.Int32, i.DType);
        Assert.Equal(new int[] { 7, -8 }, i.ToArray<int>());

        var h = LibTorch.Tensor(new Half[] { (Half)0.5, (Half)(-3) });
        Assert.Equal(DType.Float16, h.DType);
        Assert.Equal(new Half[] { (Half)0.5, (Half)(-3) }, h.ToArray<Half>());

        Assert.Throws<ArgumentException>(() => LibTorch.Tensor(new float[] { 1, 2, 3 }, 2, 2));
    }

    [Fact]
    public void BFloat16HoldsExactlyRepresentableValuesAndExposesTheirBits()
    {
        using var scope = LibTorch.NewScope();
        // Each value needs at most 8 significant bits, so bf16 (float32's upper 16 bits) stores it exactly.
        float[] values = [1, -2.5f, 0.15625f, 256, 0.0078125f, -3.5f];
        var bf = LibTorch.Tensor(values, 2, 3).To(DType.BFloat16);
        Assert.Equal(DType.BFloat16, bf.DType);
        Assert.Equal([2L, 3], bf.Shape);
        Assert.Equal(12, bf.ByteCount);

        var bytes = new byte[12];
        bf.CopyBytesTo(bytes);
        ushort[] bits = MemoryMarshal.Cast<byte, ushort>(bytes).ToArray();
        ushort[] expectedBits = Array.ConvertAll(values, v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16));
        Assert.Equal(expectedBits, bits);
        Assert.Equal((ushort)0x3F80, bits[0]);  // 1.0 = sign 0, exponent 127, mantissa 0

        Assert.Equal(values, bf.To(DType.Float32).ToArray<float>());
        var fromBits = LibTorch.FromBytes(bytes, DType.BFloat16, 3, 2);
        Assert.Equal([3L, 2], fromBits.Shape);
        Assert.Equal(values, fromBits.To(DType.Float32).ToArray<float>());
    }

    [Fact]
    public void CopiesOutThroughCopyToCopyBytesToAndAsSpan()
    {
        using var scope = LibTorch.NewScope();
        var t = D([1.25, -2, 3], 3);

        var destination = new double[3];
        t.CopyTo<double>(destination);
        Assert.Equal([1.25, -2, 3], destination);
        Assert.Throws<TorchException>(() => t.CopyTo<double>(new double[2]));
        var wrongType = Assert.Throws<InvalidOperationException>(() => t.CopyTo<float>(new float[3]));
        Assert.Contains("Float64", wrongType.Message);

        var bytes = new byte[24];
        t.CopyBytesTo(bytes);
        Assert.Equal(-2.0, BitConverter.ToDouble(bytes, 8));

        Span<double> span = t.AsSpan<double>();
        Assert.Equal(3, span.Length);
        Assert.Equal(3.0, span[2]);
        span[1] = 42;  // the span is the tensor's own memory
        Assert.Equal([1.25, 42, 3], t.ToArray<double>());

        var transposed = D([1, 2, 3, 4, 5, 6], 2, 3).Transpose(0, 1);
        var ex = Assert.Throws<TorchException>(() => transposed.AsSpan<double>());
        Assert.Contains("not contiguous", ex.Message);
        Assert.Equal([1.0, 4, 2, 5, 3, 6], transposed.ToArray<double>());  // ToArray copies in logical row-major order
        Assert.Equal([1.0, 4, 2, 5, 3, 6], transposed.Contiguous().AsSpan<double>().ToArray());
    }

    [Fact]
    public void FullZerosOnesArangeScalarEmpty()
    {
        using var scope = LibTorch.NewScope();
        AssertTensor([7.5, 7.5, 7.5, 7.5], [2, 2], LibTorch.Full([2, 2], 7.5, DType.Float64));
        AssertLongs([3, 3], [2], LibTorch.Full([2], 3, DType.Int64));
        AssertBools([true, true], [2], LibTorch.Full([2], 1, DType.Bool));
        var zeros = LibTorch.Zeros(2, 3);
        Assert.Equal(DType.Float32, zeros.DType);
        AssertTensor([0, 0, 0, 0, 0, 0], [2, 3], zeros);
        AssertLongs([0, 0], [2], LibTorch.Zeros([2], DType.Int64));
        AssertTensor([1, 1, 1], [3], LibTorch.Ones(3));
        AssertTensor([1, 1, 1, 1], [2, 2], LibTorch.Ones([2, 2], DType.Float64));

        AssertLongs([0, 1, 2, 3, 4], [5], LibTorch.Arange(5));
        AssertLongs([2, 3, 4], [3], LibTorch.Arange(2, 5));
        var quarters = LibTorch.Arange(0, 1, 0.25, DType.Float32);
        Assert.Equal(DType.Float32, quarters.DType);
        AssertTensor([0, 0.25, 0.5, 0.75], [4], quarters);
        AssertTensor([-1, -1.5, -2], [3], LibTorch.Arange(-1, -2.5, -0.5, DType.Float64));
        // Without a dtype: whole-number arguments give Int64, a fractional one Float32 (as torch.arange infers).
        AssertLongs([1, 3], [2], LibTorch.Arange(1, 5, 2));
        var inferred = LibTorch.Arange(0, 1, 0.25);
        Assert.Equal(DType.Float32, inferred.DType);
        AssertTensor([0, 0.25, 0.5, 0.75], [4], inferred);
        Assert.Equal(DType.Float32, LibTorch.Arange(0.5, 3).DType);

        var s = LibTorch.Scalar(2.5);
        Assert.Equal(0, s.Dim);
        Assert.Empty(s.Shape);
        Assert.Equal(1, s.NumEl);
        Assert.Equal(2.5, s.Item());
        Assert.Equal(DType.Float64, LibTorch.Scalar(1, DType.Float64).DType);

        var e = LibTorch.Empty([2, 3], DType.Int64);
        Assert.Equal([2L, 3], e.Shape);
        Assert.Equal(DType.Int64, e.DType);
    }

    [Fact]
    public void InPlaceUpdatesCloneAndAlias()
    {
        using var scope = LibTorch.NewScope();
        var t = D([1, 2, 3]);
        AssertTensor([4, 4, 4], [3], t.FillInPlace(4));
        AssertTensor([0, 0, 0], [3], t.ZeroInPlace());
        AssertTensor([1, -2, 3.5], [3], t.CopyFrom(D([1, -2, 3.5])));
        AssertTensor([1 + 2 * 0.5, -2 + 2 * 4, 3.5 + 2 * -1], [3], t.AddInPlace(D([0.5, 4, -1]), alpha: 2));
        AssertTensor([4, 12, 3], [3], t.MulInPlace(2));

        var f = LibTorch.Zeros(2, 3);
        f.CopyFrom(D([1.5, -2, 4]));  // broadcast over the rows, converted to float32
        Assert.Equal(DType.Float32, f.DType);
        AssertTensor([1.5, -2, 4, 1.5, -2, 4], [2, 3], f);

        LibTorch.ManualSeed(3);
        double[] normal = LibTorch.Empty([1000], DType.Float64).NormalInPlace(5, 0.01).ToArray<double>();
        Assert.All(normal, v => Assert.InRange(v, 4.9, 5.1));  // ±10σ
        Assert.InRange(normal.Average(), 4.998, 5.002);  // ±6σ of the mean (σ/√1000 ≈ 3.2e-4)
        double[] uniform = LibTorch.Empty([1000], DType.Float64).UniformInPlace(2, 3).ToArray<double>();
        Assert.All(uniform, v => Assert.InRange(v, 2, 3));
        Assert.InRange(uniform.Average(), 2.45, 2.55);

        var original = D([1, 2]);
        var clone = original.Clone();
        clone.FillInPlace(9);  // a deep copy: the original keeps its values
        AssertTensor([1, 2], [2], original);
        var alias = original.Alias();
        alias.AsSpan<double>()[0] = 7;  // the same storage
        AssertTensor([7, 2], [2], original);
        alias.Dispose();
        AssertTensor([7, 2], [2], original);  // freeing one handle leaves the other usable
    }

    // ---- unary ---------------------------------------------------------------------------------------------------------

    private static void Unary(Func<Tensor, Tensor> op, Func<double, double> reference, double[] x, double tolerance = 1e-12) =>
        AssertTensor(Map(x, reference), [x.Length], op(D(x)), tolerance);

    private static readonly double[] Signed = [-2.5, -0.5, 0.25, 1, 3];
    private static readonly double[] Positive = [0.01, 0.5, 1, 2.25, 40];

    [Fact]
    public void ElementaryUnaryOps()
    {
        using var scope = LibTorch.NewScope();
        Unary(t => t.Neg(), v => -v, Signed);
        Unary(t => -t, v => -v, Signed);
        Unary(t => t.Abs(), Math.Abs, Signed);
        Unary(t => t.Exp(), Math.Exp, Signed);
        Unary(t => t.Log(), Math.Log, Positive);
        Unary(t => t.Sqrt(), Math.Sqrt, Positive);
        Unary(t => t.Rsqrt(), v => 1 / Math.Sqrt(v), Positive);
        Unary(t => t.Relu(), v => v > 0 ? v : 0, Signed);
        Unary(t => t.Tanh(), Math.Tanh, Signed);
        Unary(t => t.Cos(), Math.Cos, Signed);
        Unary(t => t.Sin(), Math.Sin, Signed);
        Unary(t => t.Sign(), v => Math.Sign(v), [-2.5, 0, 3, -1e-300]);
        // Exact hand values.
        AssertTensor([4, 0.5, 10], [3], D([16, 0.25, 100]).Sqrt());
        AssertTensor([0.25, 2], [2], D([16, 0.25]).Rsqrt());
    }

    [Fact]
    public void Log1pIsAccurateForTinyInputs()
    {
        using var scope = LibTorch.NewScope();
        // Math.Log(1 + 1e-10) would be off in the 8th digit; log1p must match the series to double precision.
        Unary(t => t.Log1p(), Log1pRef, [1e-10, -1e-12, 0.5, 3, -0.75], 1e-14);
        Assert.Equal(1e-10 - 5e-21, D([1e-10]).Log1p().Item(), 1e-24);  // x − x²/2; the x³ term is 3e-31
    }

    [Fact]
    public void SigmoidFamily()
    {
        using var scope = LibTorch.NewScope();
        double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));
        double[] x = [-30, -2, 0, 0.5, 30];
        Unary(t => t.Sigmoid(), Sigmoid, x);
        Unary(t => t.Silu(), v => v * Sigmoid(v), x);
        Assert.Equal(0.5, D([0]).Sigmoid().Item());
        // log σ(x) = −log(1 + e^−x) for x ≥ 0 and x − log(1 + e^x) for x < 0; at ±800 a naive log(1/(1+e^−x)) gives −inf or 0·∞.
        Unary(t => t.LogSigmoid(), v => v >= 0 ? -Log1pRef(Math.Exp(-v)) : v - Log1pRef(Math.Exp(v)), [-800, -30, -2, 0, 3, 800]);
        Assert.Equal(-800.0, D([-800]).LogSigmoid().Item());
        Assert.Equal(-Math.Log(2), D([0]).LogSigmoid().Item(), 1e-15);
    }

    [Fact]
    public void UnaryOpsKeepFloat32()
    {
        using var scope = LibTorch.NewScope();
        var x = LibTorch.Tensor(new float[] { -1, 0.5f, 2 });
        var y = x.Exp();
        Assert.Equal(DType.Float32, y.DType);
        AssertTensor(Map([-1, 0.5, 2], Math.Exp), [3], y, 1e-6);
        // A double scalar does not promote a float32 tensor, forward or reversed.
        foreach (Tensor r in new[] { x * 2.5, x + 2.5, x - 2.5, x / 2.5, 2.5 - x, 2.5 / x, x.Pow(2.0), x.Clamp(0.0) })
            Assert.Equal(DType.Float32, r.DType);
        AssertTensor([-2.5, 5, 1.25], [3], 2.5 / x, 1e-7);
    }

    [Fact]
    public void LogicalNot()
    {
        using var scope = LibTorch.NewScope();
        AssertBools([false, true, true], [3], B([true, false, false]).LogicalNot());
        AssertBools([true, false, false], [3], D([0, 2.5, -1]).LogicalNot());  // non-bool: true where zero
    }

    // ---- binary --------------------------------------------------------------------------------------------------------

    [Fact]
    public void TensorArithmeticBroadcastsARow()
    {
        using var scope = LibTorch.NewScope();
        var a = D(A, 2, 3);
        var row = D(Row, 3);
        AssertTensor(BroadcastRef((x, y) => x + y), [2, 3], a.Add(row));
        AssertTensor(BroadcastRef((x, y) => x - y), [2, 3], a.Sub(row));
        AssertTensor(BroadcastRef((x, y) => x * y), [2, 3], a.Mul(row));
        AssertTensor(BroadcastRef((x, y) => x / y), [2, 3], a.Div(row));
        AssertTensor(BroadcastRef((x, y) => x + y), [2, 3], a + row);
        AssertTensor(BroadcastRef((x, y) => y - x), [2, 3], row - a);
        AssertTensor(BroadcastRef((x, y) => x * y), [2, 3], row * a);
        AssertTensor(BroadcastRef((x, y) => y / x), [2, 3], row / a);
        // A column [2, 1] against a row [3] broadcasts to [2, 3].
        AssertTensor([12, 9.5, 14, 22, 19.5, 24], [2, 3], D([10, 20], 2, 1) + row);
        // Hand values.
        AssertTensor([3, -1.5, 7.5], [3], D([1, -1, 3.5]) + D([2, -0.5, 4]));
        AssertTensor([0.5, 4, 0.875], [3], D([1, -2, 3.5]) / D([2, -0.5, 4]));
    }

    [Fact]
    public void ScalarArithmeticIncludingReversedOperators()
    {
        using var scope = LibTorch.NewScope();
        var a = D(A, 2, 3);
        AssertTensor(Map(A, v => v + 1.5), [2, 3], a.Add(1.5));
        AssertTensor(Map(A, v => v + 1.5), [2, 3], a + 1.5);
        AssertTensor(Map(A, v => v + 1.5), [2, 3], 1.5 + a);
        AssertTensor(Map(A, v => v - 1.5), [2, 3], a.Sub(1.5));
        AssertTensor(Map(A, v => v - 1.5), [2, 3], a - 1.5);
        AssertTensor(Map(A, v => 2 - v), [2, 3], 2 - a);
        AssertTensor(Map(A, v => v * -2), [2, 3], a.Mul(-2));
        AssertTensor(Map(A, v => v * -2), [2, 3], -2 * a);
        AssertTensor(Map(A, v => v / 4), [2, 3], a.Div(4));
        AssertTensor(Map(A, v => v / 4), [2, 3], a / 4);
        AssertTensor(Map(A, v => 2 / v), [2, 3], 2 / a);
        AssertTensor([1, -4, 1.5], [3], 2 - D([1, 6, 0.5]));
        AssertTensor([2, 0.5, 4], [3], 2 / D([1, 4, 0.5]));
        AssertTensor([3, 1, 0.5], [3], 3 / D([1, 3, 6]));
    }

    [Fact]
    public void PowTensorAndScalarExponents()
    {
        using var scope = LibTorch.NewScope();
        AssertTensor([0.25, Math.Sqrt(2), 1.0 / 3], [3], D([0.5, 2, 3]).Pow(D([2, 0.5, -1])));
        AssertTensor(BroadcastRef((x, y) => Math.Pow(Math.Abs(x), y)), [2, 3], D(A, 2, 3).Abs().Pow(D(Row)));
        AssertTensor(Map(A, v => v * v * v), [2, 3], D(A, 2, 3).Pow(3));
        AssertTensor([3, 0.5, 1.5], [3], D([9, 0.25, 2.25]).Pow(0.5));
    }

    [Fact]
    public void MaximumMinimumAndClamp()
    {
        using var scope = LibTorch.NewScope();
        var a = D(A, 2, 3);
        AssertTensor(BroadcastRef(Math.Max), [2, 3], a.Maximum(D(Row)));
        AssertTensor(BroadcastRef(Math.Min), [2, 3], a.Minimum(D(Row)));
        AssertTensor([2, -0.5, 4, 4, 0.5, 4], [2, 3], a.Maximum(D(Row)));

        AssertTensor(Map(A, v => Math.Max(v, 0.75)), [2, 3], a.Clamp(min: 0.75));
        AssertTensor(Map(A, v => Math.Min(v, 0.75)), [2, 3], a.Clamp(max: 0.75));
        AssertTensor([1, -1, 1, 1, 0.5, -1], [2, 3], a.Clamp(-1.0, 1.0));
        var ex = Assert.Throws<TorchException>(() => a.Clamp());
        Assert.Contains("clamp", ex.Message);
    }

    [Fact]
    public void ComparisonsGiveBools()
    {
        using var scope = LibTorch.NewScope();
        var x = D([1, 2, 3, 4]);
        var y = D([4, 2, 1, 4]);
        AssertBools([false, true, false, true], [4], x.Eq(y));
        AssertBools([true, false, true, false], [4], x.Ne(y));
        AssertBools([true, false, false, false], [4], x.Lt(y));
        AssertBools([true, true, false, true], [4], x.Le(y));
        AssertBools([false, false, true, false], [4], x.Gt(y));
        AssertBools([false, true, true, true], [4], x.Ge(y));

        AssertBools([false, true, false, false], [4], x.Eq(2));
        AssertBools([true, false, true, true], [4], x.Ne(2));
        AssertBools([true, false, false, false], [4], x.Lt(2));
        AssertBools([true, true, false, false], [4], x.Le(2));
        AssertBools([false, false, true, true], [4], x.Gt(2));
        AssertBools([false, true, true, true], [4], x.Ge(2));

        // [2, 2] against a broadcast row [2].
        AssertBools([true, false, false, false], [2, 2], D([1, 2, 3, 4], 2, 2).Lt(D([2, 2])));
        AssertBools([false, true], [2], L([1, 5]).Gt(4.5).LogicalAnd(B([true, true])));
    }

    [Fact]
    public void LogicalAndOr()
    {
        using var scope = LibTorch.NewScope();
        var a = B([true, true, false, false]);
        var b = B([true, false, true, false]);
        AssertBools([true, false, false, false], [4], a.LogicalAnd(b));
        AssertBools([true, true, true, false], [4], a.LogicalOr(b));
        AssertBools([true, false, true, false], [2, 2], B([true, false, true, true], 2, 2).LogicalAnd(B([true, false])));
    }

    [Fact]
    public void WhereAndMaskedFill()
    {
        using var scope = LibTorch.NewScope();
        var condition = B([true, false, true, false, false, true], 2, 3);
        AssertTensor([1, -0.5, 3.5, 2, -0.5, -6], [2, 3], LibTorch.Where(condition, D(A, 2, 3), D(Row)));
        AssertTensor([1, 9, 3.5, 9, 9, -6], [2, 3], LibTorch.Where(condition, D(A, 2, 3), D([9])));

        var columnMask = B([false, true, false], 1, 3);  // broadcast over both rows
        AssertTensor([1, -7, 3.5, 4, -7, -6], [2, 3], D(A, 2, 3).MaskedFill(columnMask, -7));
        AssertTensor([double.NegativeInfinity, -2, 3.5, 4, 0.5, double.NegativeInfinity], [2, 3],
            D(A, 2, 3).MaskedFill(B([true, false, false, false, false, true], 2, 3), double.NegativeInfinity));
    }

    // ---- matrix products -----------------------------------------------------------------------------------------------

    private static readonly double[] M23 = [1, 2, -1, 0.5, 3, 2];
    private static readonly double[] M32 = [2, -1, 0, 1, 4, 0.5];

    [Fact]
    public void MatMul2DMatrixVectorAndBatchedBroadcast()
    {
        using var scope = LibTorch.NewScope();
        // Hand: row 0 [1, 2, -1]·cols → 1·2 + 2·0 − 1·4 = −2, 1·−1 + 2·1 − 1·0.5 = 0.5; row 1 [0.5, 3, 2] → 9, 3.5.
        AssertTensor([-2, 0.5, 9, 3.5], [2, 2], D(M23, 2, 3).MatMul(D(M32, 3, 2)));
        AssertTensor(MatMulRef(M32, M23, 3, 2, 3), [3, 3], D(M32, 3, 2).MatMul(D(M23, 2, 3)));
        AssertTensor([1, 4], [2], D(M23, 2, 3).MatMul(D([1, 0.5, 1])));  // matrix × vector

        // [2, 2, 3] × [3, 2]: the right matrix is broadcast over the batch.
        double[] batch = [.. M23, 0, 1, 0, -2, 0.25, 1];
        double[] expected = [.. MatMulRef(batch, M32, 2, 3, 2), .. MatMulRef(batch, M32, 2, 3, 2, aOffset: 6)];
        AssertTensor(expected, [2, 2, 2], D(batch, 2, 2, 3).MatMul(D(M32, 3, 2)));

        // [2, 3] × [2, 3, 2]: the left matrix is broadcast.
        double[] rights = [.. M32, 1, 0, 0, 1, 1, 1];
        double[] expectedLeft = [.. MatMulRef(M23, rights, 2, 3, 2), .. MatMulRef(M23, rights, 2, 3, 2, bOffset: 6)];
        AssertTensor(expectedLeft, [2, 2, 2], D(M23, 2, 3).MatMul(D(rights, 2, 3, 2)));
    }

    [Fact]
    public void Bmm()
    {
        using var scope = LibTorch.NewScope();
        double[] a = [.. M23, 0, 1, 0, -2, 0.25, 1];
        double[] b = [.. M32, 1, 0, 0, 1, 1, 1];
        double[] expected = [.. MatMulRef(a, b, 2, 3, 2), .. MatMulRef(a, b, 2, 3, 2, 6, 6)];
        AssertTensor(expected, [2, 2, 2], D(a, 2, 2, 3).Bmm(D(b, 2, 3, 2)));
        AssertTensor([0, 1, 0, -2, 0.25, 1], [1, 2, 3], D([0, 1, 0, -2, 0.25, 1], 1, 2, 3).Bmm(D([1, 0, 0, 0, 1, 0, 0, 0, 1], 1, 3, 3)));
    }

    // ---- reductions ----------------------------------------------------------------------------------------------------

    // A [2, 2, 3] cube with distinct values; element (i, j, k) sits at 6i + 3j + k.
    private static readonly double[] Cube = [0.3, -1.2, 0.8, 1.7, -0.4, 2.1, 0.9, -0.2, 1.35, -1.6, 0.55, 1.05];

    private static double C(int i, int j, int k) => Cube[6 * i + 3 * j + k];

    [Fact]
    public void SumAndMean()
    {
        using var scope = LibTorch.NewScope();
        var x = D(Cube, 2, 2, 3);
        double total = 0;
        foreach (double v in Cube) total += v;
        AssertTensor([total], [], x.Sum());
        AssertTensor([total / 12], [], x.Mean());

        var overJ = new double[6];  // sum over dim 1 → [2, 3]
        for (int i = 0; i < 2; i++) for (int k = 0; k < 3; k++) overJ[i * 3 + k] = C(i, 0, k) + C(i, 1, k);
        AssertTensor(overJ, [2, 3], x.Sum(1));
        AssertTensor(Map(overJ, v => v / 2), [2, 3], x.Mean(1));

        var overIK = new double[2];  // sum over dims 0 and 2, kept → [1, 2, 1]
        for (int j = 0; j < 2; j++) for (int i = 0; i < 2; i++) for (int k = 0; k < 3; k++) overIK[j] += C(i, j, k);
        AssertTensor(overIK, [1, 2, 1], x.Sum([0, 2], keepDim: true));
        AssertTensor(Map(overIK, v => v / 6), [1, 2, 1], x.Mean([0, 2], keepDim: true));
        AssertTensor(Map(overIK, v => v / 6), [2], x.Mean([0, -1]));

        AssertTensor([6, 15], [2], D([1, 2, 3, 4, 5, 6], 2, 3).Sum(-1));  // hand values
        AssertLongs([10], [], L([1, 2, 3, 4]).Sum());
    }

    [Fact]
    public void MaxMinAllAndAlongADimWithIndices()
    {
        using var scope = LibTorch.NewScope();
        var x = D(Cube, 2, 2, 3);
        AssertTensor([2.1], [], x.Max());
        AssertTensor([-1.6], [], x.Min());

        var (values, indices) = x.Max(2);  // hand: rows [0.3 −1.2 0.8] [1.7 −0.4 2.1] [0.9 −0.2 1.35] [−1.6 0.55 1.05]
        AssertTensor([0.8, 2.1, 1.35, 1.05], [2, 2], values);
        AssertLongs([2, 2, 2, 2], [2, 2], indices);

        var (minValues, minIndices) = x.Min(2, keepDim: true);
        AssertTensor([-1.2, -0.4, -0.2, -1.6], [2, 2, 1], minValues);
        AssertLongs([1, 1, 1, 0], [2, 2, 1], minIndices);

        var (v0, i0) = x.Max(0);  // elementwise max of the two [2, 3] halves
        var expected = new double[6];
        var expectedIndex = new long[6];
        for (int n = 0; n < 6; n++) (expected[n], expectedIndex[n]) = Cube[n] >= Cube[n + 6] ? (Cube[n], 0L) : (Cube[n + 6], 1L);
        AssertTensor(expected, [2, 3], v0);
        AssertLongs(expectedIndex, [2, 3], i0);

        AssertLongs([2, 2, 2, 2], [2, 2], x.ArgMax(-1));
        AssertLongs([1, 0], [2, 1], D([1, 5, 9, 2], 2, 2).ArgMax(1, keepDim: true));
        AssertLongs([1, 1, 1], [3], D(Cube[..6], 2, 3).ArgMax(0));
    }

    [Fact]
    public void LogSumExpIncludingValuesWhoseExpOverflows()
    {
        using var scope = LibTorch.NewScope();
        // exp(1000) is +inf in double, so log(Σ exp) computed naively is inf; the stable form is m + log Σ exp(x − m).
        double[] x = [1000, 1000, 999, -1000, -1001, -999];
        Assert.True(double.IsInfinity(Math.Exp(1000)));
        AssertTensor([1000 + Math.Log(2 + Math.Exp(-1)), -999 + Math.Log(1 + Math.Exp(-1) + Math.Exp(-2))], [2], D(x, 2, 3).LogSumExp(1));
        AssertTensor([1000 + Math.Log(2 + Math.Exp(-1))], [], D(x, 2, 3).LogSumExp([0, 1]));  // the −1000s add < e^−1999

        var keep = new double[3];
        for (int k = 0; k < 3; k++)
        {
            double m = Math.Max(x[k], x[k + 3]);
            keep[k] = m + Math.Log(Math.Exp(x[k] - m) + Math.Exp(x[k + 3] - m));
        }
        AssertTensor(keep, [1, 3], D(x, 2, 3).LogSumExp(0, keepDim: true));
        AssertTensor([Math.Log(Math.Exp(1) + Math.Exp(2))], [1], D([1, 2], 1, 2).LogSumExp(-1));
    }

    [Fact]
    public void CumSum()
    {
        using var scope = LibTorch.NewScope();
        var x = D([1, 2, 3, 4, 5, 6], 2, 3);
        AssertTensor([1, 3, 6, 4, 9, 15], [2, 3], x.CumSum(1));
        AssertTensor([1, 2, 3, 5, 7, 9], [2, 3], x.CumSum(0));
        AssertTensor([1, 3, 6, 4, 9, 15], [2, 3], x.CumSum(-1));
    }

    private static double[] SoftmaxRef(double[] x, int rows, int cols, bool log)
    {
        var y = new double[x.Length];
        for (int r = 0; r < rows; r++)
        {
            double m = double.NegativeInfinity, s = 0;
            for (int c = 0; c < cols; c++) m = Math.Max(m, x[r * cols + c]);
            for (int c = 0; c < cols; c++) s += Math.Exp(x[r * cols + c] - m);
            for (int c = 0; c < cols; c++) y[r * cols + c] = log ? x[r * cols + c] - m - Math.Log(s) : Math.Exp(x[r * cols + c] - m) / s;
        }
        return y;
    }

    [Fact]
    public void SoftmaxAndLogSoftmaxAreStable()
    {
        using var scope = LibTorch.NewScope();
        double[] x = [1000, 1001, 1002, -1, 0, 1];  // row 0 overflows exp; both rows have the same softmax
        AssertTensor(SoftmaxRef(x, 2, 3, log: false), [2, 3], D(x, 2, 3).Softmax(-1));
        AssertTensor(SoftmaxRef(x, 2, 3, log: true), [2, 3], D(x, 2, 3).LogSoftmax(1));
        AssertTensor([0.5, 0.5], [2], D([3, 3]).Softmax(0));
        AssertTensor([-Math.Log(2), -Math.Log(2)], [2], D([-7, -7]).LogSoftmax(0));

        // Along dim 0 of a [2, 3]: each column is normalised.
        double[] transposed = [1000, -1, 1001, 0, 1002, 1];
        double[] byColumn = SoftmaxRef(transposed, 3, 2, log: false);
        AssertTensor([byColumn[0], byColumn[2], byColumn[4], byColumn[1], byColumn[3], byColumn[5]], [2, 3], D(x, 2, 3).Softmax(0));
    }

    [Fact]
    public void TopKSortedDescendingWithIndices()
    {
        using var scope = LibTorch.NewScope();
        var (values, indices) = D([0.5, 3, -1, 2, 7, 1]).TopK(3);
        AssertTensor([7, 3, 2], [3], values);
        AssertLongs([4, 1, 3], [3], indices);

        var (columnTop, columnIndex) = D([1, 5, -2, 4, 0, 3], 2, 3).TopK(1, dim: 0);
        AssertTensor([4, 5, 3], [1, 3], columnTop);
        AssertLongs([1, 0, 1], [1, 3], columnIndex);

        var (rowTop, rowIndex) = D([1, 5, -2, 4, 0, 3], 2, 3).TopK(2);
        AssertTensor([5, 1, 4, 3], [2, 2], rowTop);
        AssertLongs([1, 0, 0, 2], [2, 2], rowIndex);
    }

    [Fact]
    public void StdAndVarUnbiasedAndBiased()
    {
        using var scope = LibTorch.NewScope();
        // Row 0 [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, Σ(x−5)² = 9+1+1+1+0+0+4+16 = 32 ⇒ biased var 32/8 = 4, unbiased 32/7.
        Tensor x = D([2, 4, 4, 4, 5, 5, 7, 9, 1, 1, 1, 1, 1, 1, 1, 1], 2, 8);
        AssertTensor([32.0 / 7, 0], [2], x.Var(1));
        AssertTensor([4, 0], [2], x.Var(1, unbiased: false));
        AssertTensor([Math.Sqrt(32.0 / 7), 0], [2], x.Std(1));
        AssertTensor([2, 0], [2, 1], x.Std(1, unbiased: false, keepDim: true));
        // Over both dims: mean 3; row 0 deviations −1,1,1,1,2,2,4,6 (Σ² 64), row 1 all −2 (Σ² 32) ⇒ 96 / 15 unbiased.
        AssertTensor([96.0 / 15], [], x.Var([0, 1]));
    }

    [Fact]
    public void SortIsStableAndReturnsThePermutation()
    {
        using var scope = LibTorch.NewScope();
        var (up, upIndex) = D([3, 1, 2, 1, 0]).Sort();
        AssertTensor([0, 1, 1, 2, 3], [5], up);
        AssertLongs([4, 1, 3, 2, 0], [5], upIndex);  // the two 1s keep their order (index 1 before 3)
        var (down, downIndex) = D([0.2, 0.5, 0.3, 0.9, 0.1, 0.4], 2, 3).Sort(dim: 1, descending: true);
        AssertTensor([0.5, 0.3, 0.2, 0.9, 0.4, 0.1], [2, 3], down);
        AssertLongs([1, 2, 0, 0, 2, 1], [2, 3], downIndex);
    }

    // ---- shape ---------------------------------------------------------------------------------------------------------

    private static double[] Iota(int n) => Enumerable.Range(0, n).Select(i => (double)i).ToArray();

    [Fact]
    public void ReshapeViewFlattenSqueezeUnsqueeze()
    {
        using var scope = LibTorch.NewScope();
        var x = D(Iota(12), 2, 6);
        AssertTensor(Iota(12), [3, 4], x.Reshape(3, 4));
        AssertTensor(Iota(12), [4, 3], x.Reshape(-1, 3));
        AssertTensor(Iota(12), [2, 2, 3], x.View(2, 2, -1));
        var ex = Assert.Throws<TorchException>(() => x.Transpose(0, 1).View(12));
        Assert.Contains("view size is not compatible", ex.Message);
        AssertTensor([0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11], [12], x.Transpose(0, 1).Reshape(12));  // reshape copies

        var cube = D(Iota(24), 2, 3, 4);
        AssertTensor(Iota(24), [24], cube.Flatten());
        AssertTensor(Iota(24), [2, 12], cube.Flatten(1));
        AssertTensor(Iota(24), [6, 4], cube.Flatten(0, 1));

        var withOne = D(Iota(6), 2, 1, 3);
        AssertTensor(Iota(6), [2, 3], withOne.Squeeze(1));
        AssertTensor(Iota(6), [2, 1, 3], withOne.Squeeze(0));  // not of size 1: unchanged
        AssertTensor(Iota(6), [1, 2, 1, 3], withOne.Unsqueeze(0));
        AssertTensor(Iota(6), [2, 1, 3, 1], withOne.Unsqueeze(-1));
    }

    [Fact]
    public void ExpandPermuteTransposeRepeat()
    {
        using var scope = LibTorch.NewScope();
        AssertTensor([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3], [3, 4], D([1, 2, 3], 3, 1).Expand(3, 4));
        AssertTensor([1, 1, 2, 2, 3, 3], [3, 2], D([1, 2, 3], 3, 1).Expand(-1, 2));
        AssertTensor([1, 2, 3, 1, 2, 3], [2, 3], D([1, 2, 3]).Expand(2, 3));

        // Permute(2, 0, 1) of [2, 3, 4]: out[k, i, j] = in[i, j, k] = 12i + 4j + k.
        var permuted = new List<double>();
        for (int k = 0; k < 4; k++) for (int i = 0; i < 2; i++) for (int j = 0; j < 3; j++) permuted.Add(12 * i + 4 * j + k);
        AssertTensor([.. permuted], [4, 2, 3], D(Iota(24), 2, 3, 4).Permute(2, 0, 1));

        AssertTensor([0, 3, 1, 4, 2, 5], [3, 2], D(Iota(6), 2, 3).Transpose(0, 1));
        AssertTensor([0, 3, 1, 4, 2, 5], [3, 2], D(Iota(6), 2, 3).Transpose(-1, -2));

        // Repeat(2, 3) of [[1, 2], [3, 4]]: out[r, c] = in[r mod 2, c mod 2].
        double[] small = [1, 2, 3, 4];
        var tiled = new double[24];
        for (int r = 0; r < 4; r++) for (int c = 0; c < 6; c++) tiled[r * 6 + c] = small[(r % 2) * 2 + c % 2];
        AssertTensor(tiled, [4, 6], D(small, 2, 2).Repeat(2, 3));
        AssertTensor([1, 2, 1, 2], [1, 4], D([1, 2]).Repeat(1, 2));  // more repeats than dims prepends a dim
    }

    [Fact]
    public void SliceWithStepAndNegativeBoundsAndSelect()
    {
        using var scope = LibTorch.NewScope();
        var v = D(Iota(10));
        AssertTensor([1, 4, 7], [3], v.Slice(0, 1, 8, 3));
        AssertTensor([6, 7, 8], [3], v.Slice(0, -4, -1));
        AssertTensor([7, 8, 9], [3], v.Slice(0, -3));
        AssertTensor([0, 2, 4, 6, 8], [5], v.Slice(0, 0, long.MaxValue, 2));
        AssertTensor([], [0], v.Slice(0, 5, 5));

        var m = D(Iota(12), 3, 4);
        AssertTensor([1, 3, 5, 7, 9, 11], [3, 2], m.Slice(1, 1, long.MaxValue, 2));
        AssertTensor([4, 5, 6, 7, 8, 9, 10, 11], [2, 4], m.Slice(0, -2));
        AssertTensor([4, 5, 6, 7], [4], m.Select(0, 1));
        AssertTensor([3, 7, 11], [3], m.Select(1, -1));
        AssertTensor([8, 9, 10, 11], [4], m.Select(0, -1));
    }

    [Fact]
    public void IndexSelectGatherScatterScatterAdd()
    {
        using var scope = LibTorch.NewScope();
        var m = D([1, 2, 3, 4, 5, 6], 2, 3);
        AssertTensor([3, 1, 3, 6, 4, 6], [2, 3], m.IndexSelect(1, L([2, 0, 2])));
        AssertTensor([4, 5, 6, 4, 5, 6, 1, 2, 3], [3, 3], m.IndexSelect(0, L([1, 1, 0])));

        // out[i, j] = m[i, index[i, j]] (dim 1); out[i, j] = m[index[i, j], j] (dim 0).
        AssertTensor([3, 3, 1, 2, 2], [1, 5], D([1, 2, 3], 1, 3).Gather(1, L([2, 2, 0, 1, 1], 1, 5)));
        AssertTensor([3, 1, 5, 4], [2, 2], m.Gather(1, L([2, 0, 1, 0], 2, 2)));
        AssertTensor([4, 2, 6, 1, 5, 3], [2, 3], m.Gather(0, L([1, 0, 1, 0, 1, 0], 2, 3)));

        // out = m with out[i, index[i, j]] = src[i, j].
        var src = D([10, 20, 30, 40], 2, 2);
        AssertTensor([10, 2, 20, 40, 30, 6], [2, 3], m.Scatter(1, L([0, 2, 1, 0], 2, 2), src));
        // out = m with out[i, index[i, j]] += src[i, j]; repeated indices add up.
        AssertTensor([31, 2, 3, 4, 45, 36], [2, 3], m.ScatterAdd(1, L([0, 0, 2, 1], 2, 2), src));
        AssertTensor([1, 2, 3, 4, 5, 6], [2, 3], m.Add(0));  // the sources are untouched (out-of-place ops)
    }

    private static double[] TriangleRef(double[] x, int rows, int cols, long diagonal, bool upper)
    {
        var y = new double[x.Length];
        int batches = x.Length / (rows * cols);
        for (int b = 0; b < batches; b++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                {
                    int n = b * rows * cols + r * cols + c;
                    bool keep = upper ? c - r >= diagonal : c - r <= diagonal;
                    y[n] = keep ? x[n] : 0;
                }
        return y;
    }

    [Fact]
    public void TriuTrilWithDiagonalOffsets()
    {
        using var scope = LibTorch.NewScope();
        double[] x = Map(Iota(12), v => v + 1);
        foreach (long diagonal in new long[] { -2, -1, 0, 1, 3 })
        {
            AssertTensor(TriangleRef(x, 3, 4, diagonal, upper: true), [3, 4], D(x, 3, 4).Triu(diagonal));
            AssertTensor(TriangleRef(x, 3, 4, diagonal, upper: false), [3, 4], D(x, 3, 4).Tril(diagonal));
        }
        AssertTensor(TriangleRef(x, 2, 3, 0, upper: true), [2, 2, 3], D(x, 2, 2, 3).Triu());  // batched over dim 0
        AssertTensor([1, 0, 3, 4], [2, 2], D([1, 2, 3, 4], 2, 2).Tril());  // hand
        AssertTensor([0, 2, 0, 0], [2, 2], D([1, 2, 3, 4], 2, 2).Triu(1));  // hand
    }

    [Fact]
    public void CatStackContiguous()
    {
        using var scope = LibTorch.NewScope();
        var a = D([1, 2, 3, 4], 2, 2);
        var b = D([5, 6], 1, 2);
        AssertTensor([1, 2, 3, 4, 5, 6], [3, 2], LibTorch.Cat([a, b]));
        AssertTensor([1, 2, 5, 3, 4, 6], [2, 3], LibTorch.Cat([a, D([5, 6], 2, 1)], 1));
        AssertTensor([1, 2, 1, 2, 3, 4, 3, 4], [2, 4], LibTorch.Cat([a, a], -1));

        var c = D([5, 6, 7, 8], 2, 2);
        AssertTensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 2], LibTorch.Stack([a, c]));
        AssertTensor([1, 2, 5, 6, 3, 4, 7, 8], [2, 2, 2], LibTorch.Stack([a, c], 1));
        AssertTensor([1, 5, 2, 6, 3, 7, 4, 8], [2, 2, 2], LibTorch.Stack([a, c], -1));

        var t = D(Iota(6), 2, 3).Transpose(0, 1);
        var contiguous = t.Contiguous();
        Assert.Equal([0.0, 3, 1, 4, 2, 5], contiguous.AsSpan<double>().ToArray());
        Assert.Equal([3L, 2], contiguous.Shape);
    }

    // ---- nn ------------------------------------------------------------------------------------------------------------

    [Fact]
    public void EmbeddingPicksRows()
    {
        using var scope = LibTorch.NewScope();
        var weight = D(Iota(12), 4, 3);  // row r = [3r, 3r+1, 3r+2]
        AssertTensor([9, 10, 11, 0, 1, 2, 9, 10, 11, 3, 4, 5], [2, 2, 3], Functional.Embedding(weight, L([3, 0, 3, 1], 2, 2)));
        AssertTensor([6, 7, 8], [1, 3], Functional.Embedding(weight, L([2])));
    }

    [Fact]
    public void LinearWithAndWithoutBias()
    {
        using var scope = LibTorch.NewScope();
        double[] w = [1, 0, -1, 2, 0.5, 0, 0, 0, 1, -1, 1, 1];  // [4, 3]
        double[] bias = [0.5, -1, 2, 0];
        double[] x = [1, 2, 3, -1, 0.5, 4, 2, 2, 2, 0, -3, 1];  // [2, 2, 3]
        var expected = new double[16];
        for (int n = 0; n < 4; n++)
            for (int o = 0; o < 4; o++)
                for (int k = 0; k < 3; k++)
                    expected[n * 4 + o] += x[n * 3 + k] * w[o * 3 + k];
        AssertTensor(expected, [2, 2, 4], Functional.Linear(D(x, 2, 2, 3), D(w, 4, 3)));
        var withBias = new double[16];
        for (int n = 0; n < 16; n++) withBias[n] = expected[n] + bias[n % 4];
        AssertTensor(withBias, [2, 2, 4], Functional.Linear(D(x, 2, 2, 3), D(w, 4, 3), D(bias)));
        AssertTensor([-2 + 0.5, 3 - 1, 3 + 2, 4], [1, 4], Functional.Linear(D([1, 2, 3], 1, 3), D(w, 4, 3), D(bias)));  // hand
    }

    [Fact]
    public void RmsNormNormalisesTheLastDimAndScales()
    {
        using var scope = LibTorch.NewScope();
        double[] x = [1, -2, 3, 0.5, 4, 0, -1, 2];  // [2, 4]
        double[] w = [1, 0.5, 2, -1];
        const double eps = 1e-5;
        var expected = new double[8];
        for (int r = 0; r < 2; r++)
        {
            double meanSquare = 0;
            for (int c = 0; c < 4; c++) meanSquare += x[r * 4 + c] * x[r * 4 + c] / 4;
            for (int c = 0; c < 4; c++) expected[r * 4 + c] = x[r * 4 + c] / Math.Sqrt(meanSquare + eps) * w[c];
        }
        var y = Functional.RmsNorm(LibTorch.Tensor(Array.ConvertAll(x, v => (float)v), 2, 4), LibTorch.Tensor(Array.ConvertAll(w, v => (float)v)), eps);
        Assert.Equal(DType.Float32, y.DType);
        AssertTensor(expected, [2, 4], y, 1e-6);
        // Float64 in, Float64 out (computed in float32 inside, so float32 accuracy).
        var y64 = Functional.RmsNorm(D(x, 2, 4), D(w), eps);
        Assert.Equal(DType.Float64, y64.DType);
        AssertTensor(expected, [2, 4], y64, 1e-6);
        // Hand: [3, 4] has mean square 12.5, so with eps = 0 it maps to [3, 4] / √12.5.
        AssertTensor([3 / Math.Sqrt(12.5), 4 / Math.Sqrt(12.5)], [1, 2], Functional.RmsNorm(D([3, 4], 1, 2), D([1, 1]), 0), 1e-6);
    }

    private static readonly double[] Logits = [0.3, -1.2, 0.8, 1.7, -0.4, 2.1, 0.9, -0.2, 1.35, -1.6, 0.55, 1.05];  // [3, 4]

    /// <summary>−log softmax(logits)[row, c].</summary>
    private static double NegLogP(int row, int c)
    {
        double m = double.NegativeInfinity, s = 0;
        for (int k = 0; k < 4; k++) m = Math.Max(m, Logits[row * 4 + k]);
        for (int k = 0; k < 4; k++) s += Math.Exp(Logits[row * 4 + k] - m);
        return m + Math.Log(s) - Logits[row * 4 + c];
    }

    /// <summary>(1 − ε)·(−log p_y) + ε·mean_c(−log p_c).</summary>
    private static double SmoothedLoss(int row, int target, double epsilon)
    {
        double uniform = 0;
        for (int c = 0; c < 4; c++) uniform += NegLogP(row, c) / 4;
        return (1 - epsilon) * NegLogP(row, target) + epsilon * uniform;
    }

    [Fact]
    public void CrossEntropyReductions()
    {
        using var scope = LibTorch.NewScope();
        var z = D(Logits, 3, 4);
        var target = L([2, 0, 3]);
        double[] rows = [NegLogP(0, 2), NegLogP(1, 0), NegLogP(2, 3)];
        AssertTensor(rows, [3], Functional.CrossEntropy(z, target, reduction: Reduction.None));
        AssertTensor([rows[0] + rows[1] + rows[2]], [], Functional.CrossEntropy(z, target, reduction: Reduction.Sum));
        AssertTensor([(rows[0] + rows[1] + rows[2]) / 3], [], Functional.CrossEntropy(z, target));
        // Hand: two equal logits give p = 1/2, loss log 2.
        AssertTensor([Math.Log(2)], [], Functional.CrossEntropy(D([5, 5], 1, 2), L([1])), 1e-15);
    }

    [Fact]
    public void CrossEntropyIgnoreIndexIsLeftOutOfTheMean()
    {
        using var scope = LibTorch.NewScope();
        var z = D(Logits, 3, 4);
        AssertTensor([NegLogP(0, 2), 0, NegLogP(2, 3)], [3], Functional.CrossEntropy(z, L([2, -100, 3]), reduction: Reduction.None));
        AssertTensor([NegLogP(0, 2) + NegLogP(2, 3)], [], Functional.CrossEntropy(z, L([2, -100, 3]), reduction: Reduction.Sum));
        AssertTensor([(NegLogP(0, 2) + NegLogP(2, 3)) / 2], [], Functional.CrossEntropy(z, L([2, -100, 3])));
        AssertTensor([(NegLogP(0, 2) + NegLogP(2, 3)) / 2], [], Functional.CrossEntropy(z, L([2, 0, 3]), ignoreIndex: 0));
    }

    [Fact]
    public void CrossEntropyLabelSmoothingFollowsTheFormula()
    {
        using var scope = LibTorch.NewScope();
        var z = D(Logits, 3, 4);
        const double eps = 0.1;
        double[] rows = [SmoothedLoss(0, 2, eps), SmoothedLoss(1, 0, eps), SmoothedLoss(2, 3, eps)];
        AssertTensor(rows, [3], Functional.CrossEntropy(z, L([2, 0, 3]), reduction: Reduction.None, labelSmoothing: eps));
        AssertTensor([rows.Sum()], [], Functional.CrossEntropy(z, L([2, 0, 3]), reduction: Reduction.Sum, labelSmoothing: eps));
        AssertTensor([rows.Sum() / 3], [], Functional.CrossEntropy(z, L([2, 0, 3]), labelSmoothing: eps));
    }

    [Fact]
    public void CrossEntropyLabelSmoothingWithIgnoreIndex()
    {
        using var scope = LibTorch.NewScope();
        var z = D(Logits, 3, 4);
        var target = L([2, -100, 3]);
        const double eps = 0.2;
        double kept = SmoothedLoss(0, 2, eps) + SmoothedLoss(2, 3, eps);
        AssertTensor([SmoothedLoss(0, 2, eps), 0, SmoothedLoss(2, 3, eps)], [3],
            Functional.CrossEntropy(z, target, reduction: Reduction.None, labelSmoothing: eps));
        AssertTensor([kept], [], Functional.CrossEntropy(z, target, reduction: Reduction.Sum, labelSmoothing: eps));
        AssertTensor([kept / 2], [], Functional.CrossEntropy(z, target, labelSmoothing: eps));  // two targets count, not three
    }

    [Fact]
    public void DropoutIsIdentityInEvalAndScalesSurvivorsInTraining()
    {
        using var scope = LibTorch.NewScope();
        AssertTensor(A, [2, 3], Functional.Dropout(D(A, 2, 3), 0.5, training: false));

        const int n = 40_000;
        const double p = 0.25;
        LibTorch.ManualSeed(7);
        float[] y = Functional.Dropout(LibTorch.Ones(n), p, training: true).ToArray<float>();
        int zeros = 0;
        foreach (float v in y)
        {
            if (v == 0) zeros++;
            else Assert.Equal(1 / (1 - p), v, 1e-6);  // survivors scaled by 1/(1−p)
        }
        // The zero count is Binomial(n, p): standard deviation √(n·p·(1−p)) ≈ 87, so ±600 is about 7σ.
        Assert.InRange(zeros, n * p - 600, n * p + 600);
    }

    // ---- random --------------------------------------------------------------------------------------------------------

    [Fact]
    public void MultinomialOnOneHotRowsAlwaysPicksTheHotIndex()
    {
        using var scope = LibTorch.NewScope();
        var probabilities = LibTorch.Tensor(new float[] { 0, 0, 1, 0, 1, 0, 0, 0 }, 2, 4);
        AssertLongs([2, 2, 2, 2, 2, 0, 0, 0, 0, 0], [2, 5], LibTorch.Multinomial(probabilities, 5));
        AssertLongs([3], [1], LibTorch.Multinomial(LibTorch.Tensor(new double[] { 0, 0, 0, 2.5 })));  // unnormalised weights are fine
    }

    [Fact]
    public void RandIntStaysInRangeAndCoversIt()
    {
        using var scope = LibTorch.NewScope();
        var r = LibTorch.RandInt(3, 7, [20, 100]);
        Assert.Equal(DType.Int64, r.DType);
        Assert.Equal([20L, 100], r.Shape);
        long[] values = r.ToArray<long>();
        Assert.All(values, v => Assert.InRange(v, 3, 6));
        Assert.Equal([3L, 4, 5, 6], values.Distinct().Order().ToArray());

        float[] u = LibTorch.Rand([1000]).ToArray<float>();
        Assert.All(u, v => Assert.InRange(v, 0f, 0.99999994f));
    }

    [Fact]
    public void ManualSeedMakesRandnRepeatable()
    {
        using var scope = LibTorch.NewScope();
        LibTorch.ManualSeed(1234);
        double[] first = LibTorch.Randn([8], DType.Float64).ToArray<double>();
        LibTorch.ManualSeed(1234);
        double[] second = LibTorch.Randn([8], DType.Float64).ToArray<double>();
        LibTorch.ManualSeed(1235);
        double[] other = LibTorch.Randn([8], DType.Float64).ToArray<double>();
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Equal(8, first.Distinct().Count());
    }

    // ---- errors --------------------------------------------------------------------------------------------------------

    [Fact]
    public void WrongDTypesAndShapesThrowWithAMeaningfulMessage()
    {
        using var scope = LibTorch.NewScope();
        var weight = D(Iota(12), 4, 3);

        var embedding = Assert.Throws<TorchException>(() => Functional.Embedding(weight, D([0, 1])));
        Assert.Contains("indices", embedding.Message);

        var crossEntropy = Assert.Throws<TorchException>(() => Functional.CrossEntropy(D(Logits, 3, 4), L([0, 1])));
        Assert.Contains("batch_size", crossEntropy.Message);

        var linear = Assert.Throws<TorchException>(() => Functional.Linear(D(Iota(6), 2, 3), weight.Transpose(0, 1)));
        Assert.Contains("2x3 and 4x3", linear.Message);

        var cat = Assert.Throws<TorchException>(() => LibTorch.Cat([D(Iota(4), 2, 2), D(Iota(3), 1, 3)]));
        Assert.Contains("Sizes of tensors must match", cat.Message);

        var where = Assert.Throws<TorchException>(() => LibTorch.Where(D([1, 0]), D([1, 2]), D([3, 4])));
        Assert.Contains("bool", where.Message);

        var bytes = Assert.Throws<TorchException>(() => LibTorch.FromBytes(new byte[6], DType.Float32, 2));
        Assert.Contains("6 bytes given", bytes.Message);

        var reduction = Assert.Throws<TorchException>(() => Functional.CrossEntropy(D(Logits, 3, 4), L([0, 1, 2]), reduction: (Reduction)5));
        Assert.Contains("reduction code 5", reduction.Message);
    }

    // ---- memory --------------------------------------------------------------------------------------------------------

    [Fact]
    public void LiveTensorsReturnToBaselineAfterABatchOfOps()
    {
        long baseline = LibTorch.LiveTensors;
        using (var scope = LibTorch.NewScope())
        {
            var x = D(Cube, 2, 2, 3).RequiresGradInPlace();
            var y = (x.Exp() * 2 - x.Sigmoid()).Softmax(-1).LogSumExp(1);
            var (values, indices) = x.Max(2);
            var (top, topIndex) = x.Reshape(-1).TopK(3);
            var loss = Functional.CrossEntropy(x.Reshape(4, 3), L([0, 2, 1, -100]), labelSmoothing: 0.1)
                       + y.Sum() + values.Mean() + top.Sum()
                       + Functional.Linear(x, D(Iota(6), 2, 3), D([1, 2])).Pow(2).Mean();
            loss.Backward();
            Assert.NotNull(x.Grad);
            _ = LibTorch.Cat([x, x.Transpose(1, 2).Contiguous().Reshape(2, 2, 3)], 0).Gather(0, L([0, 1], 1, 1, 2).Expand(1, 2, 2));
            _ = LibTorch.Where(x.Gt(0), x, LibTorch.Zeros([1], DType.Float64)).Triu().IndexSelect(2, indices.Flatten().Slice(0, 0, 2));
            Assert.True(LibTorch.LiveTensors > baseline);
        }
        Assert.Equal(baseline, LibTorch.LiveTensors);
    }
}
