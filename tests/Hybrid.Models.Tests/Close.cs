// Element-wise comparison that reports the largest difference and the first mismatches, as llm.c's check_tensor does.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

internal static class Close
{
    /// <summary>Asserts |expected − actual| ≤ tolerance everywhere; the failure lists the max difference and the first 5 mismatches.</summary>
    public static void Assert(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual, double tolerance, string what)
    {
        Xunit.Assert.Equal(expected.Length, actual.Length);
        double maxDiff = 0;
        var mismatches = new List<string>();
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs(expected[i] - actual[i]);
            if (!(diff <= tolerance) && mismatches.Count < 5) mismatches.Add($"[{i}] expected {expected[i]:G9} got {actual[i]:G9}");
            if (!(diff <= maxDiff)) maxDiff = diff;
        }
        if (mismatches.Count > 0)
            throw new Xunit.Sdk.XunitException($"{what}: max |diff| {maxDiff:G3} > {tolerance:G3}; first mismatches: {string.Join("; ", mismatches)}");
    }

    public static void Assert(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Xunit.Assert.Equal(expected.shape, actual.shape);
        Assert(Doubles(expected), Doubles(actual), tolerance, what);
    }

    public static double[] Doubles(Tensor t) => t.to(ScalarType.Float64).contiguous().data<double>().ToArray();

    public static void AllFinite(Tensor t, string what)
    {
        double[] values = Doubles(t);
        int bad = Array.FindIndex(values, v => !double.IsFinite(v));
        if (bad >= 0) throw new Xunit.Sdk.XunitException($"{what}: element {bad} is {values[bad]} (of {values.Length})");
    }
}
