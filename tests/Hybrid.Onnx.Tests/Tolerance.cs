// Compares a fast path's floats with a reference, reporting the largest difference and the first mismatches.
using System.Globalization;
using System.Text;

namespace Hybrid.Onnx.Tests;

internal static class Tolerance
{
    /// <summary>Fails unless |expected[i] - actual[i]| ≤ tolerance for all i, listing the max difference and up to 5 mismatches.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}.");
        float maxDiff = 0;
        var report = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual[i]);
            if (!(diff <= tolerance) && shown++ < 5)
                report.Append(CultureInfo.InvariantCulture, $"\n  [{i}] expected {expected[i]:R}, got {actual[i]:R} (diff {diff:G3})");
            maxDiff = float.IsNaN(diff) ? float.NaN : MathF.Max(maxDiff, diff);
        }
        Assert.True(shown == 0, $"{what}: max |diff| = {maxDiff:G3} > {tolerance:G3}{report}");
    }
}
