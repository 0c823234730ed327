// Token character ends in a decoded completion, worked by hand for a byte-level BPE with merges, EOS and a split multi-byte character.
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Rl;

namespace Hybrid.Training.Tests.Rl;

public sealed class ResponseOffsetsTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "hybrid-training-tests", $"offsets-{Guid.NewGuid():N}");

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { /* the temp cleaner takes it */ }
    }

    private Tokenizer Open(params (string, string)[] merges)
    {
        string dir = Path.Combine(_dir, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        new ByteLevelBpeTokenizer(merges, ["<|endoftext|>"]).Write(dir, "<|endoftext|>", "<|endoftext|>", "<|endoftext|>");
        return Tokenizer.Open(dir);
    }

    [Fact]
    public void MergedTokensAndTheDroppedEos()
    {
        // "cafe\nhello" with merges he, ll: tokens c a f e \n he ll o + EOS (decoded as nothing).
        using Tokenizer tokenizer = Open(("h", "e"), ("l", "l"));
        const string text = "cafe\nhello";
        int[] ids = [.. tokenizer.Encode(text), tokenizer.EosTokenId!.Value];
        Assert.Equal(9, ids.Length);
        int[] expected = [1, 2, 3, 4, 5, 7, 9, 10, 10];
        Assert.Equal(expected, ResponseOffsets.CharEnds(tokenizer, ids, text, p => tokenizer.Decode(p)));
        Assert.Equal(expected, ResponseOffsets.ByDecodingPrefixes(ids, text, p => tokenizer.Decode(p)));   // the general path agrees
    }

    [Fact]
    public void ATokenHoldingHalfACharacterEndsBeforeIt()
    {
        // No merges: é is two byte tokens; the first ends before é (at 3), the second after it (at 4).
        using Tokenizer tokenizer = Open();
        const string text = "café!";
        int[] ids = tokenizer.Encode(text);
        Assert.Equal(6, ids.Length);
        Assert.Equal([1, 2, 3, 3, 4, 5], ResponseOffsets.CharEnds(tokenizer, ids, text, p => tokenizer.Decode(p)));
    }
}
