// KL estimators, controllers, the EMA reference and token entropy: hand values, exact expectations, gradients, leaks.
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Rl.TestTensors;

namespace Hybrid.Algorithms.Tests.Rl;

public class KlTests
{
    private static double One(IKlEstimator estimator, double logp, double reference)
    {
        using var scope = NewDisposeScope();
        return estimator.PerToken(Matrix(new double[,] { { logp } }, ScalarType.Float64), Matrix(new double[,] { { reference } }, ScalarType.Float64)).ToDouble();
    }

    [Fact]
    public void EstimatorsByHand()
    {
        // log π = −1, log π_ref = −1.5 → log ρ = 0.5. k1 = 0.5; abs = 0.5; k2 = ½·0.25 = 0.125;
        // k3 = exp(−0.5) − (−0.5) − 1 = e^{−0.5} − 0.5.
        Assert.Equal(0.5, One(new K1(), -1, -1.5), 12);
        Assert.Equal(0.5, One(new AbsKl(), -1, -1.5), 12);
        Assert.Equal(0.5, One(new AbsKl(), -1.5, -1), 12);
        Assert.Equal(0.125, One(new K2(), -1, -1.5), 12);
        Assert.Equal(Math.Exp(-0.5) - 0.5, One(new K3(), -1, -1.5), 12);
        Assert.Equal(Math.Exp(0.5) - 1.5, One(new K3(), -1.5, -1), 12);
        // Identical policies: every estimator is 0.
        foreach (string name in KlEstimators.Registry.Names) Assert.Equal(0.0, One(KlEstimators.Create(name), -2, -2));
    }

    [Fact]
    public void K3IsClampedAndFinite()
    {
        // d = ref − logp = −100 is clamped to −20: exp(−20) + 20 − 1; d = +100 → exp(20) − 20 − 1.
        Assert.Equal(Math.Exp(-20) + 19, One(new K3(), 0, -100), 9);
        Assert.Equal(Math.Exp(20) - 21, One(new K3(), -100, 0), 3);
    }

    [Fact]
    public void K1AndK3AreUnbiasedUnderThePolicy()
    {
        // Over a 5-token vocabulary, Σ_x π(x)·k(x) must equal the exact KL(π‖π_ref) = Σ π log(π/π_ref) for k1 and k3.
        double[] p = [0.4, 0.3, 0.15, 0.1, 0.05], q = [0.2, 0.2, 0.2, 0.2, 0.2];
        double exact = 0;
        for (int i = 0; i < 5; i++) exact += p[i] * Math.Log(p[i] / q[i]);
        foreach (IKlEstimator estimator in new IKlEstimator[] { new K1(), new K3() })
        {
            using var scope = NewDisposeScope();
            Tensor logp = Matrix(new double[,] { { Math.Log(p[0]), Math.Log(p[1]), Math.Log(p[2]), Math.Log(p[3]), Math.Log(p[4]) } }, ScalarType.Float64);
            Tensor logq = Matrix(new double[,] { { Math.Log(q[0]), Math.Log(q[1]), Math.Log(q[2]), Math.Log(q[3]), Math.Log(q[4]) } }, ScalarType.Float64);
            double expectation = (estimator.PerToken(logp, logq) * logp.exp()).sum().ToDouble();
            Assert.Equal(exact, expectation, 12);
        }
    }

    [Theory]
    [InlineData("k1")]
    [InlineData("abs")]
    [InlineData("k2")]
    [InlineData("k3")]
    public void GradientsMatchFiniteDifferences(string name)
    {
        var rng = new Random(name.Length);
        double[,] logp = Uniform(rng, 3, 4, -3, -0.1);
        double[,] reference = Uniform(rng, 3, 4, -3, -0.1);
        Gradients.AssertMatchesFiniteDifference(logp, l => KlEstimators.Create(name).PerToken(l, Matrix(reference, ScalarType.Float64)).sum(), name);
    }

    [Fact]
    public void K3GradientByHand()
    {
        // ∂k3/∂log π = 1 − exp(log π_ref − log π) = 1 − e^{−0.5} at log ρ = 0.5.
        var (_, grad) = Gradients.Autograd(new double[,] { { -1 } }, l => new K3().PerToken(l, Matrix(new double[,] { { -1.5 } }, ScalarType.Float64)).sum());
        Assert.Equal(1 - Math.Exp(-0.5), grad[0, 0], 12);
    }

    [Fact]
    public void EstimatorsFreeTheirIntermediates()
    {
        var rng = new Random(9);
        foreach (string name in KlEstimators.Registry.Names)
            AssertNoLeak(() =>
            {
                Tensor kl = KlEstimators.Create(name).PerToken(Matrix(Uniform(rng, 2, 3, -2, 0)), Matrix(Uniform(rng, 2, 3, -2, 0)));
                Assert.Equal(new long[] { 2, 3 }, kl.shape);
            });
    }

    [Fact]
    public void FixedControllerNeverMoves()
    {
        IKlController fixedBeta = KlControllers.Create("fixed", new KlControllerSettings(0.04));
        fixedBeta.Update(100, 1000);
        Assert.Equal(0.04, fixedBeta.Value);
        Assert.Equal("fixed", fixedBeta.Name);
    }

    [Fact]
    public void AdaptiveControllerByHand()
    {
        var controller = new AdaptiveKlController(0.2, 6, 10_000);
        // KL 9 over 256 samples: e = clip(9/6 − 1 = 0.5) = 0.2 → β = 0.2·(1 + 0.2·256/10000).
        controller.Update(9, 256);
        double expected = 0.2 * (1 + 0.2 * 256 / 10_000.0);
        Assert.Equal(expected, controller.Value, 15);
        // KL 5.4: e = −0.1 → β·(1 − 0.1·100/10000).
        controller.Update(5.4, 100);
        expected *= 1 - 0.1 * 100 / 10_000.0;
        Assert.Equal(expected, controller.Value, 15);
        // On target: unchanged. Far below: clipped at −0.2.
        controller.Update(6, 500);
        Assert.Equal(expected, controller.Value, 15);
        controller.Update(0, 10_000);
        Assert.Equal(expected * 0.8, controller.Value, 15);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveKlController(0.2, 0, 10));
        Assert.Contains("adaptive", Assert.Throws<ArgumentException>(() => KlControllers.Create("pid", new KlControllerSettings(1))).Message);
    }

    [Fact]
    public void EmaReferenceMovesTowardsThePolicyInPlace()
    {
        long baseline = TensorUtil.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            Tensor reference = torch.tensor(new float[] { 1, 2 }, [2]);
            Tensor policy = torch.tensor(new float[] { 3, 6 }, [2]).requires_grad_();
            // α = 0.75: 0.75·(1, 2) + 0.25·(3, 6) = (1.5, 3).
            EmaReference.Update([reference], [policy], 0.75);
            Assert.Equal(new float[] { 1.5f, 3f }, reference.data<float>().ToArray());
            EmaReference.Update([reference], [policy], 1.0);
            Assert.Equal(new float[] { 1.5f, 3f }, reference.data<float>().ToArray());
            EmaReference.Update([reference], [policy], 0.0);
            Assert.Equal(new float[] { 3f, 6f }, reference.data<float>().ToArray());
            Assert.False(reference.requires_grad);
            Assert.Throws<ArgumentException>(() => EmaReference.Update([reference], [], 0.5));
            Assert.Throws<ArgumentException>(() => EmaReference.Update([reference], [torch.zeros(3)], 0.5));
            Assert.Throws<ArgumentOutOfRangeException>(() => EmaReference.Update([reference], [policy], 1.5));
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void EntropyByHand()
    {
        // Uniform over 4 → ln 4. p = (0.5, 0.25, 0.25) → 0.5 ln 2 + 2·0.25 ln 4 = 1.5 ln 2. Logits (1000, 0, 0) → ≈ 0, finite.
        using var scope = NewDisposeScope();
        Tensor uniform = torch.zeros([1, 1, 4], ScalarType.Float64);
        Assert.Equal(Math.Log(4), TokenEntropy.FromLogits(uniform).ToDouble(), 12);
        Tensor skewed = torch.tensor(new double[] { Math.Log(0.5), Math.Log(0.25), Math.Log(0.25) }, [1, 1, 3]).add(7.0); // shift-invariant
        Assert.Equal(1.5 * Math.Log(2), TokenEntropy.FromLogits(skewed).ToDouble(), 12);
        Tensor peaked = torch.tensor(new float[] { 1000, 0, 0 }, [1, 1, 3]);
        double h = TokenEntropy.FromLogits(peaked).ToDouble();
        Assert.True(double.IsFinite(h) && Math.Abs(h) < 1e-6, $"entropy {h}");
    }

    [Fact]
    public void EntropyEqualsThePlainLoopAndIsDifferentiable()
    {
        var rng = new Random(5);
        const int n = 3, a = 4, v = 6;
        var logits = new double[n * a * v];
        for (int k = 0; k < logits.Length; k++) logits[k] = rng.NextDouble() * 6 - 3;
        var expected = new double[n, a];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < a; t++)
            {
                double z = 0;
                for (int k = 0; k < v; k++) z += Math.Exp(logits[(i * a + t) * v + k]);
                for (int k = 0; k < v; k++)
                {
                    double p = Math.Exp(logits[(i * a + t) * v + k]) / z;
                    expected[i, t] -= p * Math.Log(p);
                }
            }
        long baseline = TensorUtil.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            Tensor z = torch.tensor(logits, [n, a, v]).requires_grad_();
            Tensor h = TokenEntropy.FromLogits(z);
            AssertClose(expected, Read2(h), 1e-12);
            TokenEntropy.MaskedMean(h, torch.ones([n, a], ScalarType.Float64)).backward();
            // Raising the largest logit of a non-degenerate distribution sharpens it: ∂H/∂z_max < 0.
            double[] grad = Read(z.grad!);
            int argmax = 0;
            for (int k = 1; k < v; k++) if (logits[k] > logits[argmax]) argmax = k;
            Assert.True(grad[argmax] < 0);
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }
}
