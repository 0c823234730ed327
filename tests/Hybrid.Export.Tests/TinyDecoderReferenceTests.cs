// The slow reference decoder (the oracle of the GenAI tests) checked on hand-worked weights and for causality.
using Hybrid.Export.Tests.TinyDecoder;

namespace Hybrid.Export.Tests;

public sealed class TinyDecoderReferenceTests
{
    [Fact]
    public void HandWorkedWeightsGiveHandWorkedLogits()
    {
        // V=3, D=2, one head (d=2), one layer. Wq = Wk = 0 makes attention uniform over the prefix; Wv = Wo = I adds the
        // prefix mean to x; the MLP is zero. So logits_t = (x_t + mean_{j≤t} x_j) · Wlm + b with Wlm = [[1,0,1],[0,1,1]].
        var config = new TinyDecoderConfig
        {
            VocabSize = 3, HiddenSize = 2, NumHeads = 1, NumLayers = 1, MlpSize = 1, ContextLength = 4,
            BosTokenId = 0, EosTokenId = 1, PadTokenId = 2,
        };
        float[] identity = [1, 0, 0, 1], zero = [0, 0, 0, 0];
        var weights = new TinyDecoderWeights
        {
            Config = config,
            TokenEmbedding = [1, 0, 0, 1, 2, 2],        // E0 = [1,0], E1 = [0,1], E2 = [2,2]
            PositionEmbedding = [0, 0, 1, 0, 0, -1, 0, 0], // P0 = [0,0], P1 = [1,0], P2 = [0,-1]
            Layers =
            [
                new TinyDecoderLayerWeights
                {
                    QueryProjection = zero, KeyProjection = zero, ValueProjection = identity, OutputProjection = identity,
                    MlpUp = [0, 0], MlpDown = [0, 0],
                },
            ],
            LmHead = [1, 0, 1, 0, 1, 1],
            LmBias = [0, 0.5f, -1],
        };

        float[][] logits = new TinyDecoderReference(weights).Logits([0, 1, 2]);

        // x = [1,0], [1,1], [2,1]; prefix means = [1,0], [1,.5], [4/3,2/3]; sums = [2,0], [2,1.5], [10/3,5/3].
        // logits = [s0, s1, s0+s1] + [0, .5, -1].
        Assert.Equal([2f, 0.5f, 1f], logits[0]);
        Assert.Equal([2f, 2f, 2.5f], logits[1]);
        Assert.Equal(10f / 3, logits[2][0], 5);
        Assert.Equal(5f / 3 + 0.5f, logits[2][1], 5);
        Assert.Equal(4f, logits[2][2], 5);
    }

    [Fact]
    public void LogitsAtAPositionIgnoreLaterTokens()
    {
        var config = new TinyDecoderConfig { VocabSize = 20, BosTokenId = 0, EosTokenId = 1, PadTokenId = 2 };
        var reference = new TinyDecoderReference(TinyDecoderWeights.Random(config, seed: 3));

        float[][] a = reference.Logits([4, 5, 6, 7]);
        float[][] b = reference.Logits([4, 5, 9, 19]);

        Assert.Equal(a[0], b[0]);
        Assert.Equal(a[1], b[1]);
        Assert.NotEqual(a[2], b[2]);
    }

    [Fact]
    public void SameSeedSameWeightsOtherSeedOtherWeights()
    {
        var config = new TinyDecoderConfig { VocabSize = 20, BosTokenId = 0, EosTokenId = 1, PadTokenId = 2 };

        Assert.Equal(TinyDecoderWeights.Random(config, 5).LmHead, TinyDecoderWeights.Random(config, 5).LmHead);
        Assert.NotEqual(TinyDecoderWeights.Random(config, 5).LmHead, TinyDecoderWeights.Random(config, 6).LmHead);
    }

    [Fact]
    public void ConfigValidationNamesTheFieldTheValueAndTheRule()
    {
        var config = new TinyDecoderConfig { VocabSize = 20, HiddenSize = 30, NumHeads = 4, BosTokenId = 0, EosTokenId = 1, PadTokenId = 2 };

        var error = Assert.Throws<ArgumentException>(config.Validate);

        Assert.Equal("TinyDecoderConfig.NumHeads = 4: must divide HiddenSize (30). (Parameter 'NumHeads')", error.Message);
    }
}
