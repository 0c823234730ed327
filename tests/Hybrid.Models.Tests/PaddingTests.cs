// Padding (left or right) never changes the logits of real tokens, and never produces NaN, forward or backward.
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class PaddingTests
{
    public static TheoryData<string> Configs => TinyDecoders.Names;

    /// <summary>Rows of different lengths packed into [B, T] with pad id 0, on the left or the right.</summary>
    internal static (Tensor Ids, Tensor Mask) Pad(long[][] rows, bool left, ScalarType maskType = ScalarType.Int64)
    {
        int t = rows.Max(r => r.Length);
        var ids = new long[rows.Length * t];
        var mask = new long[rows.Length * t];
        for (int b = 0; b < rows.Length; b++)
        {
            int offset = left ? t - rows[b].Length : 0;
            for (int i = 0; i < rows[b].Length; i++)
            {
                ids[b * t + offset + i] = rows[b][i];
                mask[b * t + offset + i] = 1;
            }
        }
        Tensor m = torch.tensor(mask, [rows.Length, t]);
        return (torch.tensor(ids, [rows.Length, t]), maskType == ScalarType.Int64 ? m : m.ne(0));
    }

    [Theory]
    [MemberData(nameof(Configs))]
    public void RealTokenLogitsEqualEachRowAloneForLeftAndRightPadding(string name)
    {
        var config = TinyDecoders.Configs[name];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, seed: 31);
        using var scope = NewDisposeScope();
        var random = new Random(4);
        long[][] rows = [TinyDecoders.Tokens(random, 5, config.VocabSize), TinyDecoders.Tokens(random, 2, config.VocabSize), TinyDecoders.Tokens(random, 7, config.VocabSize)];
        Tensor[] alone = rows.Select(r => model.Forward(torch.tensor(r, [1, r.Length])).squeeze(0)).ToArray();  // [L, V] each

        foreach (bool left in new[] { true, false })
        foreach (ScalarType maskType in new[] { ScalarType.Int64, ScalarType.Bool })
        {
            var (ids, mask) = Pad(rows, left, maskType);
            Tensor logits = model.Forward(ids, mask);  // [3, 7, V]
            Close.AllFinite(logits, $"{name} padded logits");
            for (int b = 0; b < rows.Length; b++)
            {
                int offset = left ? 7 - rows[b].Length : 0;
                Tensor real = logits.select(0, b).slice(0, offset, offset + rows[b].Length, 1);  // [L, V]
                Close.Assert(alone[b], real, 1e-5, $"{name} {(left ? "left" : "right")}-padded ({maskType} mask) row {b}");
            }
        }
    }

    [Fact]
    public void BackwardThroughALeftPaddedBatchIsFinite()
    {
        var config = TinyDecoders.Configs["qwen2-gqa-tied"];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, seed: 32);
        using var scope = NewDisposeScope();
        var random = new Random(6);
        // a row that is all padding but its last token: its pad queries see no real key at all
        var (ids, mask) = Pad([TinyDecoders.Tokens(random, 1, config.VocabSize), TinyDecoders.Tokens(random, 6, config.VocabSize)], left: true);

        model.Forward(ids, mask).sum().backward();

        foreach (var (pname, p) in model.named_parameters()) Close.AllFinite(p.grad!, $"gradient of {pname}");
    }
}
