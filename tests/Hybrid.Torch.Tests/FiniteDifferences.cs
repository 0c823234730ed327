// Gradient checking: the autograd gradient of a scalar function of tensors against central finite differences.
using Hybrid.Torch;

namespace Hybrid.Torch.Tests;

/// <summary>One differentiable input of a gradient check: its values, shape and element type.</summary>
internal sealed record GradInput(double[] Values, long[] Shape, DType DType = DType.Float64)
{
    /// <summary>A new tensor holding <paramref name="values"/> (same length as <see cref="Values"/>) in this input's shape and dtype.</summary>
    public Tensor Make(double[] values) => DType switch
    {
        DType.Float64 => LibTorch.Tensor(values, Shape),
        DType.Float32 => LibTorch.Tensor(Array.ConvertAll(values, v => (float)v), Shape),
        _ => throw new ArgumentOutOfRangeException(nameof(DType), DType, "gradient checks use Float64 or Float32 inputs"),
    };

    /// <summary>The value the input's dtype actually stores for <paramref name="value"/>.</summary>
    public double Round(double value) => DType == DType.Float32 ? (float)value : value;
}

/// <summary>
/// Compares the gradient that <see cref="Tensor.Backward"/> leaves in <see cref="Tensor.Grad"/> with the central difference
/// (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h for every element i of every input. A non-scalar output y is reduced to
/// Σ y·w with a fixed random weighting w (drawn once per check), so every output element, and a wrong sign or
/// transposition of any of them, shows in the result.
/// </summary>
internal static class FiniteDifferences
{
    /// <summary>Step for Float64 inputs: the central difference's truncation error is ~h² (1e-12) and its rounding error
    /// ~ε·|f|/h (≈ 2e-10·|f|), both far inside <see cref="Tolerance"/>.</summary>
    public const double Step = 1e-6;

    /// <summary>Allowed |analytic − numeric| per element, relative to max(1, |numeric|).</summary>
    public const double Tolerance = 1e-6;

    /// <summary>Checks the gradient of <paramref name="f"/> with respect to its single Float64 input.</summary>
    public static void Check(Func<Tensor, Tensor> f, double[] x, params long[] shape) =>
        Check(xs => f(xs[0]), [new GradInput(x, shape.Length == 0 ? [x.Length] : shape)]);

    /// <summary>Checks the gradient of <paramref name="f"/> with respect to each of <paramref name="inputs"/>.</summary>
    public static void Check(Func<Tensor[], Tensor> f, GradInput[] inputs, double step = Step, double tolerance = Tolerance)
    {
        using var scope = LibTorch.NewScope();
        double[]? weights = null;
        double Evaluate(Tensor[] xs, bool backward)
        {
            Tensor y = f(xs).To(DType.Float64);
            weights ??= RandomWeights(y.NumEl);
            Tensor scalar = (y * LibTorch.Tensor(weights, y.Shape)).Sum();
            if (backward) scalar.Backward();
            return scalar.Item();
        }

        Tensor[] leaves = Array.ConvertAll(inputs, input => input.Make(input.Values).RequiresGradInPlace());
        Evaluate(leaves, backward: true);

        for (int k = 0; k < inputs.Length; k++)
        {
            Tensor grad = leaves[k].Grad ?? throw new Xunit.Sdk.XunitException($"input {k} received no gradient");
            Assert.Equal(inputs[k].Shape, grad.Shape);
            double[] analytic = ReadAsDoubles(grad);
            for (int i = 0; i < analytic.Length; i++)
            {
                double numeric = Numeric(inputs, k, i, step, xs => Evaluate(xs, backward: false));
                double error = Math.Abs(analytic[i] - numeric);
                if (!(error <= tolerance * Math.Max(1, Math.Abs(numeric))))
                    throw new Xunit.Sdk.XunitException(
                        $"d f / d input{k}[{i}]: autograd {analytic[i]:R}, finite difference {numeric:R} (|difference| {error:E2})");
            }
        }
    }

    /// <summary>The central difference with respect to element <paramref name="i"/> of input <paramref name="k"/>, under no-grad.
    /// The step actually taken is measured after rounding x ± h to the input's dtype.</summary>
    private static double Numeric(GradInput[] inputs, int k, int i, double step, Func<Tensor[], double> evaluate)
    {
        double x = inputs[k].Values[i];
        double plus = inputs[k].Round(x + step), minus = inputs[k].Round(x - step);
        using var noGrad = LibTorch.NoGrad();
        return (EvaluateAt(plus) - EvaluateAt(minus)) / (plus - minus);

        double EvaluateAt(double value)
        {
            using var scope = LibTorch.NewScope();
            var xs = new Tensor[inputs.Length];
            for (int j = 0; j < inputs.Length; j++)
            {
                double[] values = inputs[j].Values;
                if (j == k)
                {
                    values = (double[])values.Clone();
                    values[i] = value;
                }
                xs[j] = inputs[j].Make(values);
            }
            return evaluate(xs);
        }
    }

    /// <summary>Weights in ±[0.5, 1.5]: no output element is weighted (nearly) zero, and signs vary.</summary>
    private static double[] RandomWeights(long count)
    {
        var random = new Random(20240611);
        var w = new double[count];
        for (int i = 0; i < w.Length; i++) w[i] = (random.Next(2) == 0 ? -1 : 1) * (0.5 + random.NextDouble());
        return w;
    }

    /// <summary>The elements of a Float64 or Float32 tensor as doubles.</summary>
    public static double[] ReadAsDoubles(Tensor t) => t.DType switch
    {
        DType.Float64 => t.ToArray<double>(),
        DType.Float32 => Array.ConvertAll(t.ToArray<float>(), v => (double)v),
        _ => throw new ArgumentOutOfRangeException(nameof(t), t.DType, "expected a Float64 or Float32 tensor"),
    };
}
