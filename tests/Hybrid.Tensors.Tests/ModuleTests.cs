// Modules: parameter naming and ownership, layer forwards against hand-computed values, state-dict loading.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Layers;

namespace Hybrid.Tensors.Tests;

public class ModuleTests
{
    private sealed class TwoLayer : HybridModule
    {
        public TwoLayer() : base(nameof(TwoLayer))
        {
            Embed = RegisterModule("embed_tokens", new Embedding(5, 3));
            Proj = RegisterModule("proj", new Linear(3, 2, bias: false));
            Norm = RegisterModule("norm", new RMSNorm(2, eps: 1e-5));
        }
        public Embedding Embed { get; }
        public Linear Proj { get; }
        public RMSNorm Norm { get; }
    }

    [Fact]
    public void NamedParametersUseDottedPathsInRegistrationOrder()
    {
        using var m = new TwoLayer();
        Assert.Equal(["embed_tokens.weight", "proj.weight", "norm.weight"], m.named_parameters().Select(p => p.name));
        Assert.Equal(5 * 3 + 2 * 3 + 2, m.ParameterCount());
        Assert.All(m.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void LinearForwardEqualsHandComputedAffineMap()
    {
        using var layer = new Linear(2, 2);
        using var scope = NewDisposeScope();
        layer.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["weight"] = torch.tensor(new float[] { 1, 2, 3, 4 }, [2, 2]),
            ["bias"] = torch.tensor(new float[] { 0.5f, -1 }),
        });
        // x = [1, -1]: W x + b = [1·1 + 2·(−1) + 0.5, 3·1 + 4·(−1) − 1] = [−0.5, −2]
        var y = layer.Forward(torch.tensor(new float[] { 1, -1 }, [1, 2]));
        Assert.Equal(new float[] { -0.5f, -2f }, y.data<float>().ToArray());
    }

    [Fact]
    public void LinearInitialisationStaysInsidePyTorchBound()
    {
        TensorUtil.ManualSeed(3);
        using var layer = new Linear(64, 32);
        float[] w = layer.Weight.data<float>().ToArray();
        double bound = 1 / Math.Sqrt(64);
        Assert.All(w, v => Assert.InRange(v, -bound, bound));
        Assert.True(w.Max() > 0.9 * bound && w.Min() < -0.9 * bound, "2048 uniform draws should approach both bounds");
    }

    [Fact]
    public void EmbeddingAndRmsNormForwardEqualHandValues()
    {
        using var m = new TwoLayer();
        using var scope = NewDisposeScope();
        m.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["embed_tokens.weight"] = torch.tensor(new float[] { 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 1, 1 }, [5, 3]),
            ["proj.weight"] = torch.tensor(new float[] { 1, 0, 0, 0, 1, 1 }, [2, 3]),
            ["norm.weight"] = torch.tensor(new float[] { 2, 1 }),
        });
        var h = m.Embed.Forward(torch.tensor(new long[] { 1, 3 }));           // rows [1,2,3] and [7,8,9]
        Assert.Equal(new float[] { 1, 2, 3, 7, 8, 9 }, h.data<float>().ToArray());
        var y = m.Norm.Forward(m.Proj.Forward(h));                               // proj: [1, 5] and [7, 17]
        float[] got = y.data<float>().ToArray();
        double r0 = Math.Sqrt((1 + 25) / 2.0 + 1e-5), r1 = Math.Sqrt((49 + 289) / 2.0 + 1e-5);
        double[] want = [2 * 1 / r0, 1 * 5 / r0, 2 * 7 / r1, 1 * 17 / r1];
        for (int i = 0; i < 4; i++) Assert.Equal(want[i], got[i], 5);
    }

    [Fact]
    public void LoadStateDictNamesEveryProblem()
    {
        using var m = new TwoLayer();
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => m.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["embed_tokens.weight"] = torch.zeros(4, 3),
            ["lm_head.weight"] = torch.zeros(1),
        }));
        Assert.Contains("'embed_tokens.weight': shape [4,3] does not match [5,3]", ex.Message);
        Assert.Contains("missing 'proj.weight'", ex.Message);
        Assert.Contains("unexpected 'lm_head.weight'", ex.Message);
    }

    [Fact]
    public void ModuleZeroGradDropsGradients()
    {
        using var m = new TwoLayer();
        using var scope = NewDisposeScope();
        m.Norm.Forward(m.Proj.Forward(m.Embed.Forward(torch.tensor(new long[] { 0, 2 })))).sum().backward();
        Assert.NotNull(m.Proj.Weight.grad);
        m.zero_grad();
        Assert.All(m.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void ToConvertsParametersKeepingValuesAndTheLayerSeesTheConvertedOnes()
    {
        using var layer = new Linear(2, 2);
        float[] before = layer.Weight.data<float>().ToArray();
        long baseline = TensorUtil.LiveTensors;
        layer.to(ScalarType.Float64);
        Assert.Equal(ScalarType.Float64, layer.Weight.dtype);
        Assert.True(layer.Weight.requires_grad);
        Assert.Equal(before.Select(v => (double)v), layer.Weight.data<double>().ToArray());
        Assert.Equal(baseline, TensorUtil.LiveTensors);  // the converted copies were released
        using var scope = NewDisposeScope();
        layer.Forward(torch.tensor(new double[] { 1, 2 }, [1, 2])).sum().backward();
        Assert.Equal(ScalarType.Float64, layer.Weight.grad!.dtype);
        Assert.ThrowsAny<Exception>(() => layer.to(ScalarType.Int64));
    }
}
