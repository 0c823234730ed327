// TokenLogProbs equals the naive log_softmax-then-gather (and the slow reference), chunked or not, in value and gradient.
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class TokenLogProbsTests
{
    public static TheoryData<string> Configs => TinyDecoders.Names;

    private static Tensor Naive(DecoderModel model, Tensor ids, Tensor targets, Tensor? mask) =>
        model.Forward(ids, mask).log_softmax(-1).gather(-1, targets.unsqueeze(-1)).squeeze(-1);  // [B, T]

    [Theory]
    [MemberData(nameof(Configs))]
    public void EqualsLogSoftmaxGatherAndTheReference(string name)
    {
        var config = TinyDecoders.Configs[name];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, seed: 41);
        using var scope = NewDisposeScope();
        var random = new Random(7);
        long[][] rows = [TinyDecoders.Tokens(random, 6, config.VocabSize), TinyDecoders.Tokens(random, 4, config.VocabSize)];
        var (ids, mask) = PaddingTests.Pad(rows, left: true);                                       // [2, 6]
        Tensor targets = torch.randint(0, config.VocabSize, [2, 6]);                              // [2, 6]

        Tensor fast = model.TokenLogProbs(ids, targets, mask);                                       // [2, 6]
        Close.Assert(Naive(model, ids, targets, mask), fast, 1e-5, $"{name} TokenLogProbs vs log_softmax+gather");

        // the unpadded first row against the double-precision reference
        double[][] logSoftmax = ReferenceDecoder.LogSoftmax(new ReferenceDecoder(config, model).Logits(rows[0]));
        long[] tgt = targets.select(0, 0).data<long>().ToArray();
        double[] want = Enumerable.Range(0, 6).Select(t => logSoftmax[t][tgt[t]]).ToArray();
        Close.Assert(want, Close.Doubles(fast.select(0, 0)), 1e-4, $"{name} TokenLogProbs vs reference");
    }

    [Fact]
    public void ChunkedEqualsWholeForAnyChunkSize()
    {
        var config = TinyDecoders.Configs["llama-bias-headdim12"];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, seed: 42);
        using var scope = NewDisposeScope();
        Tensor ids = torch.randint(1, config.VocabSize, [3, 7]);
        Tensor targets = torch.randint(0, config.VocabSize, [3, 7]);
        Tensor hidden = model.ForwardHidden(ids);                                                   // [3, 7, Dm]

        Tensor whole = TokenLogProbs.FromHidden(hidden, model.LmHeadWeight, targets, chunkTokens: 7);
        foreach (long chunk in new long[] { 1, 2, 3, 6 })
            Close.Assert(whole, TokenLogProbs.FromHidden(hidden, model.LmHeadWeight, targets, chunk), 1e-6, $"chunk {chunk}");
    }

    [Theory]
    [InlineData("qwen2-gqa-tied")]
    [InlineData("llama-bias-headdim12")]
    public void GradientEqualsTheNaiveGradient(string name)
    {
        var config = TinyDecoders.Configs[name];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, seed: 43);
        using var scope = NewDisposeScope();
        var (ids, mask) = PaddingTests.Pad([[3, 4, 5, 6, 7], [8, 9]], left: false);                  // [2, 5]
        Tensor targets = torch.randint(0, config.VocabSize, [2, 5]);
        Tensor weights = torch.randn([2, 5]) * mask;                                               // [2, 5] a loss that ignores pads

        (model.TokenLogProbs(ids, targets, mask) * weights).sum().backward();
        var fast = model.named_parameters().ToDictionary(p => p.name, p => Close.Doubles(p.parameter.grad!));
        model.zero_grad();
        (Naive(model, ids, targets, mask) * weights).sum().backward();

        foreach (var (pname, p) in model.named_parameters())
        {
            double[] naive = Close.Doubles(p.grad!);
            double scale = Math.Max(1e-3, naive.Max(Math.Abs));
            Close.Assert(naive, fast[pname], 1e-5 * scale, $"{name} gradient of {pname}");
        }
    }

    [Fact]
    public void TargetsOfTheWrongShapeOrTypeAreRejected()
    {
        var config = TinyDecoders.Configs["qwen2-gqa-tied"];
        using var model = new DecoderModel(config);
        using var scope = NewDisposeScope();
        Tensor ids = torch.ones([1, 4], ScalarType.Int64);

        var error = Assert.Throws<ArgumentException>(() => model.TokenLogProbs(ids, torch.ones([1, 3], ScalarType.Int64)));
        Assert.Contains("targets must be [1, 4] int64", error.Message);
    }
}
