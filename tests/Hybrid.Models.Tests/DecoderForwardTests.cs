// The fast decoder against the slow reference, parameter naming against the HF contract, and HF-style initialisation.
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class DecoderForwardTests
{
    public static TheoryData<string> Configs => TinyDecoders.Names;

    [Theory]
    [MemberData(nameof(Configs))]
    public void LogitsEqualTheSlowReference(string name)
    {
        var config = TinyDecoders.Configs[name];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, seed: 11);
        var reference = new ReferenceDecoder(config, model);
        var random = new Random(5);
        long[][] rows = [TinyDecoders.Tokens(random, 9, config.VocabSize), TinyDecoders.Tokens(random, 9, config.VocabSize)];
        using var scope = NewDisposeScope();

        Tensor logits = model.Forward(torch.tensor(rows.SelectMany(r => r).ToArray(), [2, 9]));  // [2, 9, V]

        Assert.Equal([2L, 9, config.VocabSize], logits.shape);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        for (int b = 0; b < 2; b++)
        {
            double[] want = reference.Logits(rows[b]).SelectMany(r => r).ToArray();
            Close.Assert(want, Close.Doubles(logits.select(0, b)), 1e-4, $"{name} row {b} logits");
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void NamedParametersAreTheHuggingFaceNamesShapesAndOrder(string name)
    {
        var config = TinyDecoders.Configs[name];
        using var model = new DecoderModel(config);

        var got = model.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))).ToList();
        var want = config.ParameterShapes().Select(p => (p.Name, string.Join(",", p.Shape))).ToList();

        Assert.Equal(want, got);
        Assert.Equal(config.ParameterCount(), model.ParameterCount());
        Assert.Equal(!config.TieWordEmbeddings, got.Any(p => p.name == "lm_head.weight"));
        Assert.Same(config.TieWordEmbeddings ? model.Model.EmbedTokens.Weight : model.StateDict()["lm_head.weight"], model.LmHeadWeight);
    }

    [Fact]
    public void NewModelIsInitialisedAsHuggingFace()
    {
        var config = TinyDecoders.Configs["llama-bias-headdim12"] with { VocabSize = 500, HiddenSize = 64, HeadDim = 16 };
        TensorUtil.ManualSeed(1);
        using var model = new DecoderModel(config);

        foreach (var (name, p) in model.named_parameters())
        {
            double[] v = Array.ConvertAll(p.data<float>().ToArray(), x => (double)x);
            if (name.EndsWith(".bias")) Assert.All(v, x => Assert.Equal(0, x));
            else if (p.dim() == 1) Assert.All(v, x => Assert.Equal(1, x));
            else
            {
                double mean = v.Average(), std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
                Assert.True(Math.Abs(std - 0.02) < 0.002 && Math.Abs(mean) < 0.002, $"{name}: mean {mean}, std {std}; want N(0, 0.02²)");
            }
        }
    }

    [Fact]
    public void SameSeedGivesSameModel()
    {
        var config = TinyDecoders.Configs["qwen2-gqa-tied"];
        TensorUtil.ManualSeed(7);
        using var a = new DecoderModel(config);
        TensorUtil.ManualSeed(7);
        using var b = new DecoderModel(config);

        Assert.Equal(a.LmHeadWeight.data<float>().ToArray(), b.LmHeadWeight.data<float>().ToArray());
    }

    [Fact]
    public void ExplicitPositionIdsShiftTheRotaryPhase()
    {
        // Positions enter only through RoPE, which is relative: shifting every position by the same offset leaves the
        // attention scores — and so the logits — unchanged (up to float32 rounding of the angles).
        var config = TinyDecoders.Configs["qwen2-mha-untied"];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, seed: 3);
        using var scope = NewDisposeScope();
        Tensor ids = torch.tensor(TinyDecoders.Tokens(new Random(1), 6, config.VocabSize), [1, 6]);

        Tensor plain = model.Forward(ids);
        Tensor shifted = model.Forward(ids, positionIds: torch.arange(100, 106).unsqueeze(0));
        Tensor derived = model.Forward(ids, positionIds: torch.arange(6).unsqueeze(0));

        Close.Assert(plain, shifted, 1e-3, "logits with positions shifted by 100");
        Close.Assert(plain, derived, 0, "logits with explicit default positions");
    }
}
