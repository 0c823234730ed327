// bf16 autocast in the matmul layers (dtype of outputs and gradients, values within bf16 rounding) and RMSNorm's numerics.
using Hybrid.Tensors;
using Hybrid.Tensors.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Tensors.Tests;

public sealed class AutocastTests
{
    [Fact]
    public void LinearComputesInBf16InsideARegionAndGradientsReachTheFp32Weights()
    {
        using var layer = new Linear(16, 4);
        using var scope = NewDisposeScope();
        TensorUtil.ManualSeed(3);
        Tensor x = torch.randn([5, 16]);                                                    // [B, in]
        Assert.Equal(ScalarType.Float32, layer.Forward(x).dtype);                           // no region: fp32
        Tensor y;
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            Assert.Equal(ScalarType.BFloat16, Autocast.ComputeType);
            y = layer.Forward(x);                                                            // [B, out]
        }
        Assert.Null(Autocast.ComputeType);
        Assert.Equal(ScalarType.BFloat16, y.dtype);

        // Against the product of the bf16-rounded inputs in float64: only the output's own bf16 rounding (2⁻⁸ relative) remains.
        Tensor xr = x.to(ScalarType.BFloat16).to(ScalarType.Float64), wr = layer.Weight.to(ScalarType.BFloat16).to(ScalarType.Float64);
        Tensor br = layer.Bias!.to(ScalarType.BFloat16).to(ScalarType.Float64);
        double[] want = (xr.matmul(wr.t()) + br).data<double>().ToArray(), got = y.to(ScalarType.Float64).data<double>().ToArray();
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(got[i] - want[i]) <= Math.Abs(want[i]) / 128 + 1e-6, $"[{i}] {got[i]} vs {want[i]}");

        // d Σy / dW[o, i] = Σ_b x[b, i] for every output o: arrives in fp32 on the fp32 master weight.
        y.to(ScalarType.Float32).sum().backward();
        Tensor grad = layer.Weight.grad!;
        Assert.Equal(ScalarType.Float32, grad.dtype);
        // (0L, not 0: a literal 0 converts to ScalarType and sum(ScalarType) would sum everything as Byte.)
        double[] colSums = xr.sum(0L).data<double>().ToArray(), g = grad.to(ScalarType.Float64).data<double>().ToArray();
        for (int o = 0; o < 4; o++)
            for (int i = 0; i < 16; i++) Assert.True(Math.Abs(g[o * 16 + i] - colSums[i]) <= Math.Abs(colSums[i]) / 64 + 1e-3, $"dW[{o},{i}] {g[o * 16 + i]} vs {colSums[i]}");
    }

    [Fact]
    public void RegionsNestAndOnlyHalfTypesAreAccepted()
    {
        using (Autocast.Enable(ScalarType.BFloat16))
        {
            using (Autocast.Enable(null)) Assert.Equal(ScalarType.BFloat16, Autocast.ComputeType);  // null changes nothing
            using (Autocast.Enable(ScalarType.Float16)) Assert.Equal(ScalarType.Float16, Autocast.ComputeType);
            Assert.Equal(ScalarType.BFloat16, Autocast.ComputeType);
        }
        Assert.Null(Autocast.ComputeType);
        Assert.Throws<ArgumentException>(() => Autocast.Enable(ScalarType.Float64));
    }

    /// <summary>RMSNorm forward by the formula in doubles, and its input gradient against central finite differences.</summary>
    [Fact]
    public void RmsNormMatchesTheFormulaAndFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        double[] xs = [0.3, -1.2, 2.0, 0.5, -0.7, 1.1, 0.05, -2.4], ws = [1.5, -0.5, 0.8, 2.0];
        const double eps = 1e-6;
        Tensor x = torch.tensor(xs, [2, 4]).requires_grad_(), w = torch.tensor(ws);
        Tensor y = RMSNorm.Apply(x, w, eps);                                                   // [2, 4]
        double[] got = y.data<double>().ToArray();
        double[] Forward(double[] v)
        {
            var r = new double[8];
            for (int row = 0; row < 2; row++)
            {
                double ms = 0;
                for (int i = 0; i < 4; i++) ms += v[row * 4 + i] * v[row * 4 + i] / 4;
                for (int i = 0; i < 4; i++) r[row * 4 + i] = v[row * 4 + i] / Math.Sqrt(ms + eps) * ws[i];
            }
            return r;
        }
        double[] want = Forward(xs);
        for (int i = 0; i < 8; i++) Assert.Equal(want[i], got[i], 12);

        // L = Σ c ⊙ y with fixed c: dL/dx by autograd against (L(x + h e_k) − L(x − h e_k)) / 2h.
        double[] c = [0.7, -0.2, 1.3, 0.4, -0.9, 0.6, 0.1, 1.8];
        (y * torch.tensor(c, [2, 4])).sum().backward();
        double[] grad = x.grad!.data<double>().ToArray();
        const double h = 1e-6;
        for (int k = 0; k < 8; k++)
        {
            double[] up = (double[])xs.Clone(), down = (double[])xs.Clone();
            up[k] += h; down[k] -= h;
            double lu = Forward(up).Zip(c, (a, b) => a * b).Sum(), ld = Forward(down).Zip(c, (a, b) => a * b).Sum();
            Assert.Equal((lu - ld) / (2 * h), grad[k], 7);
        }
    }
}
