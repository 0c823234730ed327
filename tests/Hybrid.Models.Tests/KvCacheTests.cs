// Incremental decoding with the key/value cache gives the full forward's logits at every position.
// The models run in float64: cached and full forwards multiply matrices of different shapes, whose float32 rounding
// differs by ~1e-5 on logits of size ~1; in float64 that noise is ~1e-15, so 1e-10 leaves no room for a real cache bug.
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class KvCacheTests
{
    public static TheoryData<string> Configs => TinyDecoders.Names;

    [Theory]
    [MemberData(nameof(Configs))]
    public void PrefillThenSingleTokensThenAChunkEqualTheFullForward(string name)
    {
        var config = TinyDecoders.Configs[name];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, seed: 21);
        model.to(ScalarType.Float64);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        const int total = 10;
        Tensor ids = torch.tensor(TinyDecoders.Tokens(new Random(2), 2 * total, config.VocabSize), [2, total]);  // [2, 10]
        Tensor full = model.Forward(ids);                                                                         // [2, 10, V]

        using var cache = model.NewCache();
        // prefill 3, then 4 single tokens, then a chunk of 3
        (int Start, int End)[] steps = [(0, 3), (3, 4), (4, 5), (5, 6), (6, 7), (7, 10)];
        foreach (var (start, end) in steps)
        {
            Tensor step = model.Forward(ids.slice(1, start, end, 1), cache: cache);  // [2, end − start, V]
            Assert.Equal(end, cache.Length);
            Close.Assert(full.slice(1, start, end, 1), step, 1e-10, $"{name} cached logits of tokens {start}..{end - 1}");
        }
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void LeftPaddedPromptsDecodeAsTheirFullPaddedForward(string name)
    {
        // The generation pattern: a left-padded batch of prompts is prefilled with its mask, then tokens are fed one at a
        // time with mask 1. Each step must match one forward over prompt + generated tokens with the full mask.
        var config = TinyDecoders.Configs[name];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, seed: 22);
        model.to(ScalarType.Float64);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var random = new Random(3);
        const int promptLength = 5, generated = 4;
        int[] real = [5, 2, 4];
        var tokens = new long[3 * (promptLength + generated)];
        var mask = new long[tokens.Length];
        for (int b = 0; b < 3; b++)
            for (int t = 0; t < promptLength + generated; t++)
            {
                bool isReal = t >= promptLength - real[b];
                tokens[b * (promptLength + generated) + t] = isReal ? random.Next(1, config.VocabSize) : 0;
                mask[b * (promptLength + generated) + t] = isReal ? 1 : 0;
            }
        Tensor ids = torch.tensor(tokens, [3, promptLength + generated]);      // [3, 9]
        Tensor attention = torch.tensor(mask, [3, promptLength + generated]);  // [3, 9]
        Tensor full = model.Forward(ids, attention);                            // [3, 9, V]

        using var cache = model.NewCache();
        Tensor prefill = model.Forward(ids.slice(1, 0, promptLength, 1), attention.slice(1, 0, promptLength, 1), cache: cache);
        Close.Assert(full.slice(1, 0, promptLength, 1), prefill, 1e-10, $"{name} prefill");
        for (int t = promptLength; t < promptLength + generated; t++)
        {
            Tensor step = model.Forward(ids.slice(1, t, t + 1, 1), torch.ones([3, 1], ScalarType.Int64), cache: cache);
            Close.Assert(full.slice(1, t, t + 1, 1), step, 1e-10, $"{name} decode step {t}");
        }
        Close.AllFinite(full, $"{name} padded logits");
    }

    [Fact]
    public void ACacheRefusesABatchOfAnotherSize()
    {
        var config = TinyDecoders.Configs["qwen2-gqa-tied"];
        using var model = new DecoderModel(config);
        using var scope = NewDisposeScope();
        using var cache = model.NewCache();
        model.Forward(torch.ones([2, 3], ScalarType.Int64), cache: cache);

        var error = Assert.Throws<ArgumentException>(() => model.Forward(torch.ones([1, 1], ScalarType.Int64), cache: cache));
        Assert.Contains("cache holds 2 rows", error.Message);
    }
}
