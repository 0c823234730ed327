// Value and score heads: HF names, hand-computed values from the hidden states, and scores independent of padding.
using Hybrid.Models.Decoder;
using Hybrid.Models.Heads;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class HeadTests
{
    private static double Dot(double[] a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    [Theory]
    [InlineData("qwen2-gqa-tied")]
    [InlineData("llama-bias-headdim12")]
    public void SequenceScoreModelHasClassificationNames(string name)
    {
        var config = TinyDecoders.Configs[name];
        using var model = new SequenceScoreModel(config);

        var want = config.ParameterShapes().Where(p => p.Name != "lm_head.weight")
            .Append(("score.weight", new long[] { 1, config.HiddenSize }))
            .Select(p => (p.Item1, string.Join(",", p.Item2)));
        Assert.Equal(want, model.named_parameters().Select(p => (p.name, string.Join(",", p.parameter.shape))));
    }

    [Theory]
    [InlineData("qwen2-gqa-tied")]
    [InlineData("llama-mqa-tied")]
    public void ScoreIsReadAtTheLastRealTokenWhateverThePadding(string name)
    {
        var config = TinyDecoders.Configs[name];
        using var model = new SequenceScoreModel(config);
        TinyDecoders.Randomize(model, seed: 51);
        var reference = new ReferenceDecoder(config, model);
        using var scope = NewDisposeScope();
        double[] w = Close.Doubles(model.Score.Weight);
        var random = new Random(8);
        long[][] rows = [TinyDecoders.Tokens(random, 3, config.VocabSize), TinyDecoders.Tokens(random, 6, config.VocabSize), TinyDecoders.Tokens(random, 1, config.VocabSize)];
        // hand value: w · (reference hidden state of the row's last token)
        double[] want = rows.Select(r => Dot(w, reference.Hidden(r)[^1])).ToArray();
        double[] alone = rows.Select(r => model.Forward(torch.tensor(r, [1, r.Length])).ToDouble()).ToArray();
        Close.Assert(want, alone, 1e-4, $"{name} unpadded scores vs reference");

        foreach (bool left in new[] { true, false })
        {
            var (ids, mask) = PaddingTests.Pad(rows, left);
            Tensor scores = model.Forward(ids, mask);  // [3]
            Assert.Equal([3L], scores.shape);
            Close.Assert(alone, Close.Doubles(scores), 1e-5, $"{name} {(left ? "left" : "right")}-padded scores");
        }
    }

    [Fact]
    public void ValueHeadStartsNearZero()
    {
        TensorUtil.ManualSeed(4);
        using var head = new ValueHead(64);
        Assert.Equal(["weight", "bias"], head.named_parameters().Select(p => p.name));
        Assert.Equal(0, head.Bias.ToDouble());
        Assert.True(head.Weight.data<float>().ToArray().All(v => Math.Abs(v) < 0.1));
    }
}
