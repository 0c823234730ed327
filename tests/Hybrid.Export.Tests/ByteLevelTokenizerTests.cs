// The byte-level alphabet and tokenizer files match GPT-2's conventions, checked against hand-worked values.
using System.Text;
using System.Text.Json;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Export.Tests;

public sealed class ByteLevelTokenizerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "hybrid-tests", $"bpe-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    [Theory]
    [InlineData(0x21, '!')]        // printable ASCII stands for itself
    [InlineData(0x7E, '~')]
    [InlineData(0xA1, '¡')]        // 161..172 stand for themselves
    [InlineData(0xAE, '®')]        // 174..255 stand for themselves
    [InlineData(0x00, '\u0100')]   // the 68 others, in order, from U+0100
    [InlineData(0x0A, '\u010A')]   // newline = 'Ċ'
    [InlineData(0x20, '\u0120')]   // space = 'Ġ' (33rd of the others)
    [InlineData(0x7F, '\u0121')]   // DEL follows the 33 control/space bytes
    [InlineData(0xA0, '\u0142')]   // 127..160 are others 33..66
    [InlineData(0xAD, '\u0143')]   // soft hyphen is the 68th
    public void AlphabetMapsBytesLikeGpt2(int value, char symbol)
    {
        Assert.Equal(symbol, ByteLevelAlphabet.Symbol((byte)value));
    }

    [Fact]
    public void AlphabetIsABijectionOntoPrintableCharacters()
    {
        var symbols = Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.Symbol((byte)b)).ToArray();

        Assert.Equal(256, symbols.Distinct().Count());
        Assert.DoesNotContain(symbols, char.IsControl);
        Assert.DoesNotContain(symbols, char.IsWhiteSpace);
    }

    [Fact]
    public void IdsAreBytesThenMergesThenSpecialTokens()
    {
        var tokenizer = new ByteLevelBpeTokenizer([("h", "i"), (" ", "hi"), ("!", "?")], ["<|end|>"]);

        Assert.Equal(256 + 3 + 1, tokenizer.VocabSize);
        Assert.Equal('h', tokenizer.IdOf("h"));
        Assert.Equal(256, tokenizer.IdOf("hi"));
        Assert.Equal(257, tokenizer.IdOf(" hi"));
        Assert.Equal(258, tokenizer.IdOf("!?"));
        Assert.Equal(259, tokenizer.SpecialTokenId("<|end|>"));
        Assert.Equal([.. Encoding.UTF8.GetBytes(" hi<|end|>é!?"), 0xFF], tokenizer.Bytes([257, 259, 0xC3, 0xA9, 258, 0xFF]));
    }

    [Fact]
    public void MergeOfUnknownHalvesIsRejectedNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => new ByteLevelBpeTokenizer([("ab", "c")], []));

        Assert.Contains("(\"ab\", \"c\")", error.Message);
    }

    [Fact]
    public void TokenizerJsonHasTheFullByteVocabularyAndByteLevelMerges()
    {
        var tokenizer = new ByteLevelBpeTokenizer([(" ", "w"), ("\n", "!")], ["<|end|>"]);
        tokenizer.Write(_folder, eosToken: "<|end|>");

        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder, "tokenizer.json")));
        JsonElement model = json.RootElement.GetProperty("model");
        Assert.Equal("BPE", model.GetProperty("type").GetString());
        JsonElement vocab = model.GetProperty("vocab");
        Assert.Equal(258, vocab.EnumerateObject().Count()); // 256 bytes + 2 merges; the special token is an added token
        Assert.Equal(32, vocab.GetProperty("Ġ").GetInt32());
        Assert.Equal(256, vocab.GetProperty("Ġw").GetInt32());
        Assert.Equal(257, vocab.GetProperty("Ċ!").GetInt32());
        Assert.Equal(195, vocab.GetProperty("Ã").GetInt32()); // 'Ã' (U+00C3) spells byte C3
        Assert.Equal(["Ġ w", "Ċ !"], model.GetProperty("merges").EnumerateArray().Select(m => m.GetString()));
        JsonElement added = Assert.Single(json.RootElement.GetProperty("added_tokens").EnumerateArray());
        Assert.Equal(258, added.GetProperty("id").GetInt32());
        Assert.True(added.GetProperty("special").GetBoolean());
        Assert.Equal("ByteLevel", json.RootElement.GetProperty("pre_tokenizer").GetProperty("type").GetString());

        using var config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(_folder, "tokenizer_config.json")));
        Assert.Equal("GPT2Tokenizer", config.RootElement.GetProperty("tokenizer_class").GetString());
        Assert.Equal("<|end|>", config.RootElement.GetProperty("eos_token").GetString());
    }
}
