// The fused AdamW and clipping against the textbook formulas on random tensors, both code paths, and resume from a saved state.
using Hybrid.Tensors;
using Hybrid.Tensors.Optim;
using Hybrid.Tensors.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Tensors.Tests;

public sealed class FusedAdamWTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-adamw-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private const double Lr = 0.01, B1 = 0.9, B2 = 0.99, Eps = 1e-8, Wd = 0.1;

    /// <summary>The textbook update in double precision: one parameter, its state, step t.</summary>
    private static void Textbook(double[] p, double[] g, double[] m, double[] v, int t)
    {
        for (int i = 0; i < p.Length; i++)
        {
            p[i] -= Lr * Wd * p[i];
            m[i] = B1 * m[i] + (1 - B1) * g[i];
            v[i] = B2 * v[i] + (1 - B2) * g[i] * g[i];
            double mHat = m[i] / (1 - Math.Pow(B1, t)), vHat = v[i] / (1 - Math.Pow(B2, t));
            p[i] -= Lr * mHat / (Math.Sqrt(vHat) + Eps);
        }
    }

    private static double[] RandomDoubles(Random rng, int n, double scale) =>
        Enumerable.Range(0, n).Select(_ => scale * (2 * rng.NextDouble() - 1)).ToArray();

    // Sizes: below one SIMD vector, a ragged tail, and one large enough to be split over the cores.
    private static readonly int[] Sizes = [3, 37, 70_001];

    /// <summary>
    /// Five steps on three random float64 parameters (the fused kernel) and the same on a non-contiguous view (the
    /// tensor-op path), against <see cref="Textbook"/>: float64 leaves only rounding, 1e-12 relative.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RandomFloat64StepsEqualTheTextbookUpdate(bool nonContiguous)
    {
        var rng = new Random(17);
        double[][] p = Sizes.Select(n => RandomDoubles(rng, n, 1)).ToArray();
        double[][] m = Sizes.Select(n => new double[n]).ToArray(), v = Sizes.Select(n => new double[n]).ToArray();
        // A non-contiguous parameter: the transpose of a [2, n] leaf, written through to the leaf by the update.
        Tensor[] leaves = p.Select(x => nonContiguous
            ? torch.tensor(x.Concat(x).ToArray(), [2, x.Length]).t().DetachFromDisposeScope()
            : torch.tensor(x).DetachFromDisposeScope()).ToArray();
        foreach (Tensor l in leaves) l.requires_grad_();
        using var optimizer = new AdamW(leaves, Lr, B1, B2, Eps, Wd);
        for (int t = 1; t <= 5; t++)
        {
            double[][] g = Sizes.Select(n => RandomDoubles(rng, n, 0.5)).ToArray();
            using (var scope = NewDisposeScope())
                for (int k = 0; k < leaves.Length; k++)
                    leaves[k].grad = nonContiguous ? torch.tensor(g[k].Concat(g[k]).ToArray(), [2, g[k].Length]).t() : torch.tensor(g[k]);
            optimizer.Step();
            for (int k = 0; k < leaves.Length; k++) Textbook(p[k], g[k], m[k], v[k], t);
        }
        for (int k = 0; k < leaves.Length; k++)
        {
            using var scope = NewDisposeScope();
            double[] got = (nonContiguous ? leaves[k].select(1, 0) : leaves[k]).contiguous().data<double>().ToArray();
            for (int i = 0; i < got.Length; i++) Assert.True(Math.Abs(got[i] - p[k][i]) <= 1e-12 * Math.Max(1, Math.Abs(p[k][i])), $"[{k}][{i}] {got[i]} vs {p[k][i]}");
        }
        foreach (Tensor l in leaves) l.Dispose();
    }

    /// <summary>
    /// float32 (what training uses): six steps, then the state is saved (m, v as safetensors, the step count), a new
    /// optimizer is built and loaded from the file, and three more steps are taken on both; the resumed run equals the
    /// uninterrupted one exactly, and both stay within float32 rounding (2e-6 relative) of the float64 textbook.
    /// </summary>
    [Fact]
    public void Float32StepsFollowTheTextbookAndResumeFromASavedStateExactly()
    {
        var rng = new Random(23);
        double[][] p = Sizes.Select(n => RandomDoubles(rng, n, 1)).ToArray();
        double[][] m = Sizes.Select(n => new double[n]).ToArray(), v = Sizes.Select(n => new double[n]).ToArray();
        Tensor[] straight = p.Select(x => torch.tensor(x, ScalarType.Float32).DetachFromDisposeScope().requires_grad_()).ToArray();
        Tensor[] resumed = p.Select(x => torch.tensor(x, ScalarType.Float32).DetachFromDisposeScope().requires_grad_()).ToArray();
        using var a = new AdamW(straight, Lr, B1, B2, Eps, Wd);
        AdamW? b = new AdamW(resumed, Lr, B1, B2, Eps, Wd);
        try
        {
            for (int t = 1; t <= 9; t++)
            {
                double[][] g = Sizes.Select(n => RandomDoubles(rng, n, 0.5)).ToArray();
                using (var scope = NewDisposeScope())
                    for (int k = 0; k < straight.Length; k++)
                    {
                        straight[k].grad = torch.tensor(g[k], ScalarType.Float32);
                        resumed[k].grad = torch.tensor(g[k], ScalarType.Float32);
                    }
                a.Step();
                b.Step();
                for (int k = 0; k < p.Length; k++) Textbook(p[k], g[k], m[k], v[k], t);
                if (t == 6)
                {
                    // Save, drop the optimizer, restore into a fresh one.
                    string file = Path.Combine(_dir, "optimizer.safetensors");
                    SafeTensors.Save(file, Enumerable.Range(0, resumed.Length).SelectMany(k => new[]
                    {
                        new KeyValuePair<string, Tensor>($"{k}.exp_avg", b.ExpAvg[k]), new KeyValuePair<string, Tensor>($"{k}.exp_avg_sq", b.ExpAvgSq[k]),
                    }));
                    long steps = b.StepCount;
                    b.Dispose();
                    b = new AdamW(resumed, Lr, B1, B2, Eps, Wd) { StepCount = steps };
                    Dictionary<string, Tensor> state = SafeTensors.Load(file);
                    using (no_grad())
                        for (int k = 0; k < resumed.Length; k++)
                        {
                            b.ExpAvg[k].copy_(state[$"{k}.exp_avg"]);
                            b.ExpAvgSq[k].copy_(state[$"{k}.exp_avg_sq"]);
                        }
                    foreach (Tensor s in state.Values) s.Dispose();
                }
            }
            for (int k = 0; k < p.Length; k++)
            {
                float[] x = straight[k].data<float>().ToArray(), y = resumed[k].data<float>().ToArray();
                Assert.Equal(x, y);
                for (int i = 0; i < x.Length; i++) Assert.True(Math.Abs(x[i] - p[k][i]) <= 2e-6 * Math.Max(1, Math.Abs(p[k][i])), $"[{k}][{i}] {x[i]} vs {p[k][i]}");
            }
        }
        finally
        {
            b?.Dispose();
            foreach (Tensor t in straight.Concat(resumed)) t.Dispose();
        }
    }

    /// <summary>The clipping norm of large random float32 gradients against a double sum, and the scale it applies.</summary>
    [Fact]
    public void ClipGradNormOfRandomGradientsEqualsTheDoubleSum()
    {
        var rng = new Random(5);
        double[][] g = Sizes.Select(n => RandomDoubles(rng, n, 3)).ToArray();
        Tensor[] ps = Sizes.Select(n => torch.zeros(n).DetachFromDisposeScope().requires_grad_()).ToArray();
        using (var scope = NewDisposeScope())
            for (int k = 0; k < ps.Length; k++) ps[k].grad = torch.tensor(g[k], ScalarType.Float32);
        double want = Math.Sqrt(g.Sum(x => x.Sum(e => (double)(float)e * (float)e)));
        double norm = GradientClipping.ClipGradNorm(ps, 1.0);
        Assert.True(Math.Abs(norm - want) <= 1e-9 * want, $"{norm} vs {want}");
        using (var scope = NewDisposeScope())
        {
            double after = Math.Sqrt(ps.Sum(p => p.grad!.to(ScalarType.Float64).square().sum().ToDouble()));
            Assert.True(Math.Abs(after - 1.0) < 1e-5, $"norm after clipping {after}");
        }
        foreach (Tensor p in ps) p.Dispose();
    }
}
