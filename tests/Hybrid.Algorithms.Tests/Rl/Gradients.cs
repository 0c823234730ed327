// Autograd against central finite differences in float64, for functions of one [N, A] input.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Rl.TestTensors;

namespace Hybrid.Algorithms.Tests.Rl;

internal static class Gradients
{
    /// <summary>f's value and autograd gradient at x (float64).</summary>
    public static (double Value, double[,] Gradient) Autograd(double[,] x, Func<Tensor, Tensor> f)
    {
        using var scope = NewDisposeScope();
        Tensor input = Matrix(x, ScalarType.Float64).requires_grad_();
        Tensor y = f(input);
        y.backward();
        return (y.ToDouble(), Read2(input.grad!));
    }

    public static double Value(double[,] x, Func<Tensor, Tensor> f)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return f(Matrix(x, ScalarType.Float64)).ToDouble();
    }

    /// <summary>(f(x + h·e_k) − f(x − h·e_k)) / 2h for every entry k.</summary>
    public static double[,] FiniteDifference(double[,] x, Func<Tensor, Tensor> f, double h = 1e-6)
    {
        var grad = new double[x.GetLength(0), x.GetLength(1)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int t = 0; t < x.GetLength(1); t++)
            {
                double saved = x[i, t];
                x[i, t] = saved + h;
                double plus = Value(x, f);
                x[i, t] = saved - h;
                double minus = Value(x, f);
                x[i, t] = saved;
                grad[i, t] = (plus - minus) / (2 * h);
            }
        return grad;
    }

    public static void AssertMatchesFiniteDifference(double[,] x, Func<Tensor, Tensor> f, string what)
    {
        var (_, analytic) = Autograd(x, f);
        double[,] numeric = FiniteDifference(x, f);
        AssertClose(numeric, analytic, 1e-6, what);
        bool anyNonZero = false;
        foreach (double g in analytic) anyNonZero |= Math.Abs(g) > 1e-8;
        Assert.True(anyNonZero, $"{what}: the gradient is identically 0, so the check proves nothing");
    }
}
