// The GenAI package's tokenizer on a byte-level BPE tokenizer.json written by the test: hand-worked ids and pinned behaviour.
using Microsoft.ML.OnnxRuntimeGenAI;
using static Hybrid.Onnx.Tests.SampleTokenizer;

namespace Hybrid.Onnx.Tests;

public sealed class GenAITokenizerTests : IDisposable
{
    private readonly TempFolder _folder = new("genai-tokenizer");
    private readonly Tokenizer _tokenizer;

    public GenAITokenizerTests()
    {
        Create().Write(_folder.Path, eosToken: EndOfText);
        // GenAI's tokenizer reads genai_config.json (Error opening …/genai_config.json without it), but needs no model:
        // the smallest config it accepts names the model type and the special ids.
        File.WriteAllText(_folder["genai_config.json"], MinimalGenAIConfig);
        OnnxNative.EnsureLoaded();
        _tokenizer = new Tokenizer(_folder.Path);
    }

    public void Dispose()
    {
        _tokenizer.Dispose();
        _folder.Dispose();
    }

    private const string MinimalGenAIConfig = """{"model": {"type": "qwen2", "vocab_size": 266, "context_length": 64, "bos_token_id": 265, "eos_token_id": 265, "pad_token_id": 265}}""";

    private int[] Encode(string text)
    {
        using Sequences sequences = _tokenizer.Encode(text);
        return sequences[0].ToArray();
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
        Assert.Equal(expected, Encode(text));
    }

    [Theory]
    [InlineData("hello world")]
    [InlineData("The quick brown fox jumps over 13 lazy dogs!?  \t tabs\nand\r\nnewlines")]
    [InlineData("naïve café — Grüße,日本語, Ελληνικά, עברית")]
    [InlineData("emoji 😀🚀 family 👩‍👩‍👧 flag 🇯🇵 skin 👍🏽")]
    public void DecodeInvertsEncode(string text)
    {
        int[] ids = Encode(text);
        Assert.All(ids, id => Assert.InRange(id, 0, VocabSize - 1));
        Assert.Equal(text, _tokenizer.Decode(ids));
    }

    // Pins an engine behaviour that matters for rewards computed on text GenAI decodes: its detokenizer does not replace
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
    public void EncodeBatchKeepsOneRowPerText()
    {
        using Sequences rows = _tokenizer.EncodeBatch(["hello world", "held", "é"]);

        Assert.Equal(3ul, rows.NumSequences);
        // GenAI pads a batch to its longest row with the pad id (here <|endoftext|>) on the right.
        Assert.Equal([Hello, SpaceWorld], rows[0].ToArray());
        Assert.Equal([He, Ld], rows[1].ToArray());
        Assert.Equal([0xC3, 0xA9], rows[2].ToArray());
    }

    [Fact]
    public void SpecialTokensAreRecognisedOnEncodeAndDroppedOnDecode()
    {
        int[] ids = Encode("a<|endoftext|>b");

        Assert.Equal(['a', EndOfTextId, 'b'], ids);
        Assert.Equal("ab", _tokenizer.Decode(ids));
    }

    [Fact]
    public void ApplyChatTemplateRendersAGivenTemplate()
    {
        const string template = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}<assistant>{% endif %}";
        const string messages = """[{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]""";

        Assert.Equal("<system>be brief<user>hi<assistant>", _tokenizer.ApplyChatTemplate(template, messages, "", true));
        Assert.Equal("<system>be brief<user>hi", _tokenizer.ApplyChatTemplate(template, messages, "", false));
    }

    [Fact]
    public void OpeningAFolderWithoutTokenizerFilesThrowsTheNativeMessage()
    {
        using var empty = new TempFolder("genai-tokenizer-empty");
        File.WriteAllText(empty["genai_config.json"], MinimalGenAIConfig);

        // In a child process (see NativeProbe.OpenTokenizer: the failed object's finalizer is unsafe in this one).
        var (exitCode, stdout, stderr) = NativeLibraryGuardTests.RunProbe(
            Path.Combine(AppContext.BaseDirectory, "Hybrid.Onnx.Tests.dll"), "tokenizer", empty.Path);

        Assert.True(exitCode == 1, $"exit {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.StartsWith($"{typeof(OnnxRuntimeGenAIException).FullName}: ", stderr);
        Assert.Contains("tokenizer", stderr.Split(": ", 2)[1], StringComparison.OrdinalIgnoreCase);
    }
}
