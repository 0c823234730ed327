// Test helpers: C# arrays to tensors and back, random ragged masks, and a live-tensor leak check.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Algorithms.Tests.Rl;

internal static class TestTensors
{
    public static Tensor Matrix(double[,] values, ScalarType dtype = ScalarType.Float32)
    {
        int rows = values.GetLength(0), cols = values.GetLength(1);
        var flat = new double[rows * cols];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(double));
        using var scope = NewDisposeScope();
        return torch.tensor(flat, [rows, cols]).to(dtype).MoveToOuterDisposeScope();
    }

    public static Tensor Vector(double[] values, ScalarType dtype = ScalarType.Float32)
    {
        using var scope = NewDisposeScope();
        return torch.tensor(values, [values.Length]).to(dtype).MoveToOuterDisposeScope();
    }

    public static double[] Read(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();
    }

    public static double[,] Read2(Tensor t)
    {
        double[] flat = Read(t);
        int rows = (int)t.size(0), cols = (int)t.size(1);
        var result = new double[rows, cols];
        Buffer.BlockCopy(flat, 0, result, 0, flat.Length * sizeof(double));
        return result;
    }

    /// <summary>A right-padded 0/1 mask with row lengths drawn from [minLength, width].</summary>
    public static double[,] RaggedMask(Random rng, int rows, int width, int minLength = 1)
    {
        var mask = new double[rows, width];
        for (int i = 0; i < rows; i++)
        {
            int length = rng.Next(minLength, width + 1);
            for (int t = 0; t < length; t++) mask[i, t] = 1;
        }
        return mask;
    }

    public static double[,] Uniform(Random rng, int rows, int width, double low, double high)
    {
        var x = new double[rows, width];
        for (int i = 0; i < rows; i++)
            for (int t = 0; t < width; t++) x[i, t] = low + (high - low) * rng.NextDouble();
        return x;
    }

    public static double[] Uniform(Random rng, int count, double low, double high)
    {
        var x = new double[count];
        for (int i = 0; i < count; i++) x[i] = low + (high - low) * rng.NextDouble();
        return x;
    }

    public static void AssertClose(double[,] expected, double[,] actual, double tolerance, string what = "")
    {
        Assert.Equal(expected.GetLength(0), actual.GetLength(0));
        Assert.Equal(expected.GetLength(1), actual.GetLength(1));
        for (int i = 0; i < expected.GetLength(0); i++)
            for (int t = 0; t < expected.GetLength(1); t++)
                Assert.True(Math.Abs(expected[i, t] - actual[i, t]) <= tolerance * (1 + Math.Abs(expected[i, t])),
                    $"{what}[{i},{t}]: expected {expected[i, t]:R}, got {actual[i, t]:R}");
    }

    public static void AssertClose(double[] expected, double[] actual, double tolerance, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * (1 + Math.Abs(expected[i])),
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R}");
    }

    /// <summary>Runs <paramref name="body"/> inside a scope and asserts every tensor it made is freed afterwards.</summary>
    public static void AssertNoLeak(Action body)
    {
        long baseline = TensorUtil.LiveTensors;
        using (NewDisposeScope()) body();
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }
}
