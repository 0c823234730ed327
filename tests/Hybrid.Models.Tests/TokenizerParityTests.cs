// Tokenizer.Encode gives GenAI's ids — shipped corpus, hostile text, added tokens inside words — for each preset and Llama 3 / Qwen2-style files.
using System.Text;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Models.Tests;

public sealed class TokenizerParityTests(TokenizerFolders folders) : IClassFixture<TokenizerFolders>
{
    /// <summary>Text that trips tokenizers up, by name (the theory cases show the name, not the text).</summary>
    private static readonly Dictionary<string, string> s_hostile = new()
    {
        ["emoji ZWJ sequences"] = "family 👩‍👩‍👧‍👦, coder 🧑🏽‍💻, 🏳️‍🌈 and 🏴‍☠️!",
        ["flags"] = "🇯🇵🇫🇷🇩🇪 flags 🇺🇸 and an odd one out 🇦🇧🇨",
        ["skin tones"] = "👍🏻👍🏼 👍🏽👍🏾👍🏿 👋🏿",
        ["CJK"] = "日本語のテキスト、中文文本。한국어 텍스트 ｆｕｌｌｗｉｄｔｈ",
        ["combining marks"] = "e\u0301 a\u0308 n\u0303 Z\u0351\u0352\u0353\u0354 e\u0301\u0301\u0301 ﬁ Å \u0301alone",
        ["lone high surrogate"] = "a\uD800b \uD83D",
        ["lone low surrogate"] = "a\uDC00b \uDE00x",
        ["reversed surrogate pair"] = "x\uDE00\uD83Dy",
        ["CRLF"] = "line one\r\nline two\r\n\r\nend\r lone CR\rand LF\n",
        ["runs of spaces"] = "a  b   c    d     e          f",
        ["runs of tabs"] = "\t\tx\t\t\ty\t \t z\t\t",
        ["trailing spaces"] = "trailing spaces   ",
        ["leading spaces"] = "   leading spaces",
        ["other whitespace"] = "nbsp\u00A0x ideographic\u3000y nel\u0085z line\u2028para\u2029 vt\v ff\f fs\u001C us\u001F",
        ["digit runs"] = "1 12 123 1234 12345 123456789 3.14159 1,000,000 007 ٣٤٥ ⅫⅣ ²³ 1st 2nd",
        ["contractions lower case"] = "it's don't they're we've I'm you'll he'd 's 't 're 've 'm 'll 'd",
        ["contractions upper case"] = "IT'S DON'T THEY'RE WE'VE I'M YOU'LL HE'D 'S 'T 'RE 'VE 'M 'LL 'D",
        ["contractions mixed case"] = "It'S dOn'T tHeY'rE wE'Ve i'M yOu'Ll hE'd 'ſ 'K ’s ‘t",
        ["punctuation runs"] = "!!! ??? ... --- ### $$$ (((x))) <<>> ``` ~~~ \"quoted\" 'single'",
        ["code"] = "def f(x):\n    return x**2  # square\n\n\tif (a != b) { c++; }\n",
        ["controls"] = "soh\u0001del\u007Fzwsp\u200Bzwj\u200Dbom\uFEFFesc\u001B[0m",
        ["mixed scripts"] = "Ελληνικά עברית Русский العربية हिन्दी ไทย",
        ["plane 16 and private use"] = "\uE000 \U0010FFFF \U0001F9FF \U0002A6D6",
        ["long word"] = new string('a', 300) + "b" + new string('z', 5),
        ["empty"] = "",
    };

    public static TheoryData<string> Folders() => new(TokenizerFolders.All);

    public static TheoryData<string, string> FoldersAndHostileTexts()
    {
        var data = new TheoryData<string, string>();
        foreach (string folder in TokenizerFolders.All)
        {
            foreach (string name in s_hostile.Keys) data.Add(folder, name);
            data.Add(folder, "added tokens glued to words");
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void TheShippedCorpusEncodesToGenAIsIdsLineByLineAndWhole(string folder)
    {
        string dir = folders[folder], corpus = TokenizerFolders.Corpus();
        string[] lines = corpus.Split('\n');
        using Tokenizer tokenizer = Tokenizer.Open(dir);

        int[][] expectedLines = GenAITokenizerOracle.Encode(dir, lines);
        int[] expected = GenAITokenizerOracle.Encode(dir, corpus);

        for (int i = 0; i < lines.Length; i++)
            Assert.True(expectedLines[i].SequenceEqual(tokenizer.Encode(lines[i])), $"line {i + 1}: \"{lines[i]}\"");
        Assert.Equal(expectedLines, tokenizer.EncodeBatch(lines));
        int[] ids = tokenizer.Encode(corpus);
        Assert.Equal(expected, ids);
        Assert.Contains(ids, id => id >= 256);  // merges were applied, not just byte tokens
        Assert.Equal(corpus, tokenizer.Decode(ids));
    }

    [Theory]
    [MemberData(nameof(FoldersAndHostileTexts))]
    public void HostileTextEncodesToGenAIsIdsAndDecodesBack(string folder, string name)
    {
        string dir = folders[folder];
        using Tokenizer tokenizer = Tokenizer.Open(dir);
        string[] specials = tokenizer.SpecialTokenIds.Select(id => Encoding.UTF8.GetString(tokenizer.TokenBytes(id))).ToArray();
        string text = name == "added tokens glued to words" ? GluedAddedTokens(specials) : s_hostile[name];

        int[] ids = tokenizer.Encode(text);

        Assert.Equal(GenAITokenizerOracle.Encode(dir, text), ids);
        // Decoding gives the text back, less the special tokens; a lone surrogate came in as U+FFFD (see TokenizerDecodeTests).
        string expected = specials.Aggregate(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)), (t, s) => t.Replace(s, "", StringComparison.Ordinal));
        Assert.Equal(expected, tokenizer.Decode(ids));
        Assert.Equal(expected, GenAITokenizerOracle.Decode(dir, ids));
    }

    [Fact]
    public void AddedTokensInsideTextAreEachOneIdWhereverTheyStand()
    {
        string dir = folders["tiny"];
        using Tokenizer tokenizer = Tokenizer.Open(dir);
        int imStart = tokenizer.TokenId(SpecialTokens.ImStart), imEnd = tokenizer.TokenId(SpecialTokens.ImEnd);

        int[] ids = tokenizer.Encode("x<|im_start|><|im_end|>y");

        Assert.Equal(['x', imStart, imEnd, 'y'], ids);  // glued on both sides, and to each other
    }

    [Fact]
    public void ANulCharacterIsEncodedAsItsByteWhereGenAIStopsReading()
    {
        // GenAI takes NUL-terminated UTF-8, so it sees "ab" only; Hybrid encodes every character of the string.
        string dir = folders["tiny"];
        using Tokenizer tokenizer = Tokenizer.Open(dir);

        int[] ids = tokenizer.Encode("ab\0cd");

        Assert.Equal(GenAITokenizerOracle.Encode(dir, "ab"), GenAITokenizerOracle.Encode(dir, "ab\0cd"));
        Assert.Equal([.. tokenizer.Encode("ab"), 0, .. tokenizer.Encode("cd")], ids);  // byte 0x00 is id 0
        Assert.Equal("ab\0cd", tokenizer.Decode(ids));
    }

    [Fact]
    public void AVocabularyEntryNoMergeMakesIsEmittedWholeAsGenAIDoes()
    {
        // " tokenizer" is in the Llama-3-style vocabulary (id 266) but no merge makes it: GenAI (and Hugging Face with
        // ignore_merges) emit it whole; " tokenizers" is no entry, so the merges apply.
        string dir = folders["llama3"];
        using Tokenizer tokenizer = Tokenizer.Open(dir);

        Assert.Equal([266], tokenizer.Encode(TokenizerFolders.Llama3UnmergedWord));
        Assert.Equal([256, 'o', 'k', 'e', 'n', 'i', 'z', 261, 's'], tokenizer.Encode(" tokenizers"));  // " t" (256), "er" (261)
        Assert.Equal(GenAITokenizerOracle.Encode(dir, " tokenizer tokenizer tokenizers"), tokenizer.Encode(" tokenizer tokenizer tokenizers"));
    }

    [Theory]
    [InlineData("<x>yz")]    // "<x>y" is longer than "<x>": it wins
    [InlineData("y<x>y")]    // "y<x" starts first: it wins, leaving ">y"
    [InlineData("a<x>b")]
    [InlineData("<x><x>y<x")]
    public void OverlappingAddedTokensAreMatchedLongestFirstAsGenAIDoes(string text)
    {
        string dir = CopyOf("tiny");
        TokenizerFolders.EditTokenizerJson(dir, json =>
        {
            var added = json["added_tokens"]!.AsArray();
            string[] tokens = ["<x>", "<x>y", "y<x"];
            for (int i = 0; i < tokens.Length; i++)
                added.Add(new System.Text.Json.Nodes.JsonObject { ["id"] = 600 + i, ["content"] = tokens[i], ["special"] = true });
        });
        using Tokenizer tokenizer = Tokenizer.Open(dir);

        Assert.Equal(GenAITokenizerOracle.Encode(dir, text), tokenizer.Encode(text));
    }

    [Fact]
    public void ANonSpecialAddedTokenIsRecognisedAndKeptOnDecode()
    {
        string dir = CopyOf("tiny");
        const string token = "<tool call ß>";
        TokenizerFolders.EditTokenizerJson(dir, json =>
            json["added_tokens"]!.AsArray().Add(new System.Text.Json.Nodes.JsonObject { ["id"] = 600, ["content"] = token, ["special"] = false }));
        using Tokenizer tokenizer = Tokenizer.Open(dir);
        const string text = "a<tool call ß>b <|im_end|>";

        int[] ids = tokenizer.Encode(text);

        Assert.Equal(GenAITokenizerOracle.Encode(dir, text), ids);
        Assert.Equal(['a', 600, 'b', ' ', tokenizer.TokenId(SpecialTokens.ImEnd)], ids);
        Assert.Equal("a<tool call ß>b ", tokenizer.Decode(ids));  // kept, unlike the special <|im_end|>
        Assert.Equal("a<tool call ß>b ", GenAITokenizerOracle.Decode(dir, ids));
    }

    [Fact]
    public void TheSameIdsComeFromMergesWrittenAsStringsOrAsArrays()
    {
        // The Llama-3-style file writes merges as ["a", "b"]; the same file with "a b" strings must encode the same.
        string dir = CopyOf("llama3");
        TokenizerFolders.EditTokenizerJson(dir, json =>
        {
            var merges = json["model"]!["merges"]!.AsArray();
            var strings = merges.Select(m => (System.Text.Json.Nodes.JsonNode?)$"{m![0]} {m[1]}").ToArray();
            json["model"]!["merges"] = new System.Text.Json.Nodes.JsonArray(strings);
        });
        string text = TokenizerFolders.Corpus() + " the 123 there";
        using Tokenizer arrays = Tokenizer.Open(folders["llama3"]), strings = Tokenizer.Open(dir);

        int[] expected = GenAITokenizerOracle.Encode(dir, text);
        Assert.Equal(expected, strings.Encode(text));
        Assert.Equal(expected, arrays.Encode(text));
        Assert.Contains(258, expected);  // " the": the merges were applied
    }

    /// <summary>Each added token glued to words on both sides, to another added token, at the start and at the end.</summary>
    private static string GluedAddedTokens(string[] tokens)
    {
        var text = new StringBuilder();
        foreach (string t in tokens) text.Append(t).Append("word").Append(t).Append("word ").Append(t).Append(' ').Append(t).Append(t).Append("\n").Append(t);
        return text.Append("end").Append(tokens[0]).ToString();
    }

    private string CopyOf(string name)
    {
        string dir = folders.NewFolder();
        foreach (string file in new[] { "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(folders[name], file), Path.Combine(dir, file));
        return dir;
    }
}
