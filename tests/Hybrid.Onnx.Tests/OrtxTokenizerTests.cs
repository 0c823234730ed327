// Tests of the onnxruntime-extensions tokenizer binding on a byte-level BPE tokenizer.json written by the test.
using Hybrid.Onnx.Tokenizers;
using static Hybrid.Onnx.Tests.SampleTokenizer;

namespace Hybrid.Onnx.Tests;

public sealed class OrtxTokenizerTests : IDisposable
{
    private readonly TempFolder _folder = new("ortx");
    private readonly OrtxTokenizer _tokenizer;

    public OrtxTokenizerTests()
    {
        Create().Write(_folder.Path, eosToken: EndOfText);
        _tokenizer = OrtxTokenizer.Open(_folder.Path);
    }

    public void Dispose()
    {
        _tokenizer.Dispose();
        _folder.Dispose();
    }

    // Ids worked out by hand from the merge ranks (see SampleTokenizer): the pre-tokenizer splits words with their
    // leading space, then the lowest-ranked adjacent pair is merged until none applies.
    [Theory]
    [InlineData("hello world", new[] { Hello, SpaceWorld })]          // h e l l o → he l l o → he ll o → hell o → hello
    [InlineData("held", new[] { He, Ld })]                             // he l d → he ld ("he ld" is no merge)
    [InlineData("hell", new[] { Hell })]
    [InlineData("hello hello", new[] { Hello, ' ', Hello })]           // " hello": no merge joins "Ġ" with "hello"
    [InlineData(" wor", new[] { SpaceWor })]
    [InlineData("é", new[] { 0xC3, 0xA9 })]                            // U+00E9 = UTF-8 C3 A9, one id per byte
    [InlineData("😀", new[] { 0xF0, 0x9F, 0x98, 0x80 })]                // U+1F600 = UTF-8 F0 9F 98 80
    [InlineData("a\nb", new int[] { 'a', '\n', 'b' })]
    public void EncodeGivesTheHandWorkedIds(string text, int[] expected)
    {
        Assert.Equal(expected, _tokenizer.Encode(text));
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("The quick brown fox jumps over 13 lazy dogs!?  \t tabs\nand\r\nnewlines")]
    [InlineData("naïve café — Grüße,日本語, Ελληνικά, עברית")]
    [InlineData("emoji 😀🚀 family 👩‍👩‍👧 flag 🇯🇵 skin 👍🏽")]
    [InlineData("")]
    public void DecodeInvertsEncode(string text)
    {
        int[] ids = _tokenizer.Encode(text);
        Assert.All(ids, id => Assert.InRange(id, 0, VocabSize - 1));
        Assert.Equal(text, _tokenizer.Decode(ids));
    }

    // Pins an engine behaviour that matters for rewards computed on decoded rollouts: the detokenizer does not replace
    // each invalid UTF-8 byte, it stops at the first one ("h" 0xFF "ij" decodes to "h\uFFFD", not "h\uFFFDij").
    [Theory]
    [InlineData(new[] { 'h', 0xFF, 'i', 'j' }, "h\uFFFD")]
    [InlineData(new[] { 'h', 'i', 0xC3 }, "hi\uFFFD")]             // truncated 2-byte sequence at the end
    [InlineData(new[] { 0xC3, 'h' }, "\uFFFD")]                    // lead byte followed by ASCII
    [InlineData(new[] { 'a', 0xC3, 0xA9, 'b' }, "aéb")]             // valid multi-byte split over tokens is fine
    public void DecodeOfInvalidUtf8StopsAtTheFirstBadByte(int[] ids, string expected)
    {
        Assert.Equal(expected, _tokenizer.Decode(ids));
    }

    [Fact]
    public void EncodeBatchKeepsOneUnpaddedRowPerText()
    {
        int[][] rows = _tokenizer.EncodeBatch(["hello world", "held", "é"]);

        Assert.Equal(3, rows.Length);
        Assert.Equal([Hello, SpaceWorld], rows[0]);
        Assert.Equal([He, Ld], rows[1]);
        Assert.Equal([0xC3, 0xA9], rows[2]);
    }

    [Fact]
    public void SpecialTokensAreRecognisedOnEncodeAndDroppedOnDecode()
    {
        int[] ids = _tokenizer.Encode("a<|endoftext|>b");

        Assert.Equal(['a', EndOfTextId, 'b'], ids);
        Assert.Equal("ab", _tokenizer.Decode(ids));
    }

    [Fact]
    public void TokenToIdUsesTheByteLevelSpelling()
    {
        Assert.Equal(SpaceWorld, _tokenizer.TokenToId("Ġworld")); // 'Ġ' (U+0120) is the vocabulary form of the space byte
        Assert.Equal(EndOfTextId, _tokenizer.TokenToId(EndOfText));
    }

    [Fact]
    public void ApplyChatTemplateRendersAGivenTemplate()
    {
        const string template = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
        const string messages = """[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]""";

        Assert.Equal("<system>be brief<user>hi<assistant>", _tokenizer.ApplyChatTemplate(messages, template));
        Assert.Equal("<system>be brief<user>hi", _tokenizer.ApplyChatTemplate(messages, template, addGenerationPrompt: false));
    }

    [Fact]
    public void OpeningAFolderWithoutTokenizerFilesThrowsTheNativeMessage()
    {
        using var empty = new TempFolder("ortx-empty");

        var error = Assert.Throws<OrtxException>(() => OrtxTokenizer.Open(empty.Path));

        Assert.Equal(OrtxError.InvalidFile, error.Code);
        Assert.Equal("OrtxCreateTokenizer", error.Function);
        Assert.Contains("tokenizer_config.json", error.NativeMessage);
    }

    [Fact]
    public void OpeningAMissingFolderThrowsBeforeAnyNativeCall()
    {
        var error = Assert.Throws<DirectoryNotFoundException>(() => OrtxTokenizer.Open(_folder["does-not-exist"]));

        Assert.Contains("does-not-exist", error.Message);
    }
}
