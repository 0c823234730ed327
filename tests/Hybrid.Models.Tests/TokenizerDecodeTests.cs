// Tokenizer.Decode worked by hand: invalid UTF-8, dropped special and unknown ids, lone surrogates, each beside what GenAI gives.
using Hybrid.Models.Tokenizers;

namespace Hybrid.Models.Tests;

public sealed class TokenizerDecodeTests(TokenizerFolders folders) : IClassFixture<TokenizerFolders>
{
    // The presets' tokenizers give byte b the id b, so these ids are the bytes themselves.
    [Theory]
    [InlineData(new[] { 'h', 0xFF, 'i', 'j' }, "h\uFFFDij")]           // 0xFF is never UTF-8: one U+FFFD, then decoding goes on
    [InlineData(new[] { 'h', 'i', 0xC3 }, "hi\uFFFD")]                 // a 2-byte sequence cut off at the end
    [InlineData(new[] { 0xC3, 'h' }, "\uFFFDh")]                       // a lead byte followed by ASCII: the lead alone is invalid
    [InlineData(new[] { 'a', 0xC3, 0xA9, 'b' }, "aéb")]                 // a valid character split over two tokens
    [InlineData(new[] { 0xF0, 0x9F, 0x98, 'x' }, "\uFFFDx")]           // F0 9F 98 begins 😀 (F0 9F 98 80) and stops: one invalid sequence
    [InlineData(new[] { 0xED, 0xA0, 0x80 }, "\uFFFD\uFFFD\uFFFD")]     // U+D800's would-be UTF-8: after ED only 80–9F may follow, so three
    [InlineData(new[] { 0xC0, 0xAF, 'z' }, "\uFFFD\uFFFDz")]           // C0 never leads (overlong); AF is a stray continuation byte
    [InlineData(new[] { 0x80, 0xBF }, "\uFFFD\uFFFD")]                 // two stray continuation bytes
    public void InvalidUtf8BecomesOneReplacementCharacterPerMaximalInvalidSequence(int[] ids, string expected)
    {
        using Tokenizer tokenizer = Tokenizer.Open(folders["tiny"]);

        Assert.Equal(expected, tokenizer.Decode(ids));
    }

    [Fact]
    public void GenAIInsteadStopsAtTheFirstInvalidByte()
    {
        // The documented difference (see Tokenizer.Decode): GenAI's detokenizer ends the text at the first bad byte.
        using Tokenizer tokenizer = Tokenizer.Open(folders["tiny"]);
        int[] ids = ['h', 0xFF, 'i', 'j'];

        Assert.Equal("h\uFFFD", GenAITokenizerOracle.Decode(folders["tiny"], ids));
        Assert.Equal("h\uFFFDij", tokenizer.Decode(ids));
    }

    [Fact]
    public void SpecialTokensAreDroppedAndTheBytesAroundThemJoin()
    {
        using Tokenizer tokenizer = Tokenizer.Open(folders["tiny"]);
        int imEnd = tokenizer.TokenId(SpecialTokens.ImEnd), endOfText = tokenizer.TokenId(SpecialTokens.EndOfText);

        Assert.Equal("hi", tokenizer.Decode([imEnd, 'h', endOfText, 'i', imEnd]));
        Assert.Equal("€", tokenizer.Decode([0xE2, 0x82, imEnd, 0xAC]));  // € = E2 82 AC; the marker between is dropped first
    }

    [Fact]
    public void IdsThatAreNoTokenAreDroppedAsGenAIDropsThem()
    {
        // The Llama-3-style vocabulary uses ids 0–266 and 1000–1004: 500 is unused, 5000 past the end, -1 never valid.
        string dir = folders["llama3"];
        using Tokenizer tokenizer = Tokenizer.Open(dir);
        int[] ids = ['h', -1, 500, 'i', 5000, 1004, '!'];

        Assert.Equal("hi!", tokenizer.Decode(ids));
        Assert.Equal("hi!", GenAITokenizerOracle.Decode(dir, ids));
        Assert.Equal("", tokenizer.Decode([]));
    }

    [Theory]
    [InlineData(0xD800)]  // a lone high surrogate (given as a number: xunit cannot carry a lone surrogate in a string)
    [InlineData(0xDC00)]  // a lone low surrogate
    public void ALoneSurrogateEncodesAsTheReplacementCharacterAndDecodesAsIt(int surrogate)
    {
        // A lone surrogate has no UTF-8 form: it reaches GenAI as U+FFFD (EF BF BD), and Hybrid encodes it the same way.
        string text = $"a{(char)surrogate}b";
        Assert.True(char.IsSurrogate(text[1]));
        using Tokenizer tokenizer = Tokenizer.Open(folders["tiny"]);

        int[] ids = tokenizer.Encode(text);
        (int[] same, (int Start, int End)[] offsets) = tokenizer.EncodeWithOffsets(text);

        Assert.Equal(['a', 0xEF, 0xBF, 0xBD, 'b'], ids);
        Assert.Equal("a\uFFFDb", tokenizer.Decode(ids));
        Assert.Equal(ids, same);
        Assert.Equal([(0, 1), (1, 2), (1, 2), (1, 2), (2, 3)], offsets);  // the three bytes' tokens cover the surrogate
    }
}
