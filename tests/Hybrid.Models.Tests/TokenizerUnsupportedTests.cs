// What Tokenizer.Open refuses, one case per kind, each error naming the file and the field; and what ApplyChatTemplate refuses.
using System.Text.Json.Nodes;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Models.Tests;

public sealed class TokenizerUnsupportedTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public TokenizerUnsupportedTests()
    {
        // 256 bytes, merges 256 "ug", 257 "hug", 258 " hug", 259 " p" (see BpeTrainerTests), 260–262 special tokens.
        BpeTrainer.Train(["hug hug hug pug pun"], new BpeTrainerOptions { VocabSize = 1000 })
            .Write(_tmp.Path, eosToken: SpecialTokens.ImEnd, chatTemplate: ChatTemplate.Jinja);
    }

    public void Dispose() => _tmp.Dispose();

    private string JsonPath => _tmp["tokenizer.json"];

    private string ConfigPath => _tmp["tokenizer_config.json"];

    private static JsonObject Obj(string json) => (JsonObject)JsonNode.Parse(json)!;

    private static JsonObject Model(JsonObject root) => root["model"]!.AsObject();

    /// <summary>A Sequence pre-tokenizer of <paramref name="split"/> then ByteLevel without regex.</summary>
    private static JsonObject SplitThenByteLevel(JsonObject split) => new()
    {
        ["type"] = "Sequence",
        ["pretokenizers"] = new JsonArray(split, Obj("""{"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}""")),
    };

    /// <summary>Edits of a valid tokenizer.json, by name, and the field the error must name.</summary>
    private static readonly Dictionary<string, (Action<JsonObject> Edit, string Field)> s_unsupported = new()
    {
        ["a Unigram model"] = (j => j["model"] = Obj("""{"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["a", -1.0]]}"""), "'model.type' = \"Unigram\""),
        ["a WordPiece model"] = (j => Model(j)["type"] = "WordPiece", "'model.type' = \"WordPiece\""),
        ["byte fallback"] = (j => Model(j)["byte_fallback"] = true, "'model.byte_fallback' = true"),
        ["BPE dropout"] = (j => Model(j)["dropout"] = 0.1, "'model.dropout' = 0.1"),
        ["a sub-word prefix"] = (j => Model(j)["continuing_subword_prefix"] = "##", "'model.continuing_subword_prefix' = \"##\""),
        ["a word suffix"] = (j => Model(j)["end_of_word_suffix"] = "</w>", "'model.end_of_word_suffix'"),
        ["a Lowercase normalizer"] = (j => j["normalizer"] = Obj("""{"type": "Lowercase"}"""), "'normalizer' = {\"type\":\"Lowercase\"}"),
        ["NFC inside a Sequence normalizer"] = (j => j["normalizer"] = Obj("""{"type": "Sequence", "normalizers": [{"type": "NFC"}]}"""), "'normalizer'"),
        ["an NFKC normalizer"] = (j => j["normalizer"] = Obj("""{"type": "NFKC"}"""), "'normalizer' = {\"type\":\"NFKC\"}"),
        ["a Metaspace pre-tokenizer"] = (j => j["pre_tokenizer"] = Obj("""{"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"}"""), "'pre_tokenizer'"),
        ["a prefix space"] = (j => j["pre_tokenizer"]!["add_prefix_space"] = true, "'pre_tokenizer.add_prefix_space' = true"),
        ["ByteLevel alone without its regex"] = (j => j["pre_tokenizer"]!["use_regex"] = false, "'pre_tokenizer.use_regex' = false"),
        ["a Split by a plain string"] = (j => j["pre_tokenizer"] = SplitThenByteLevel(Obj("""{"type": "Split", "pattern": {"String": " "}, "behavior": "Isolated", "invert": false}""")),
            "'pre_tokenizer.pretokenizers[0].pattern' = {\"String\":\" \"}"),
        ["a Split that removes its matches"] = (j => j["pre_tokenizer"] = SplitThenByteLevel(Obj("""{"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Removed", "invert": false}""")),
            "'pre_tokenizer.pretokenizers[0].behavior' = \"Removed\""),
        ["an inverted Split"] = (j => j["pre_tokenizer"] = SplitThenByteLevel(Obj("""{"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated", "invert": true}""")),
            "'pre_tokenizer.pretokenizers[0].invert' = true"),
        ["a Split regex .NET cannot compile"] = (j => j["pre_tokenizer"] = SplitThenByteLevel(Obj("""{"type": "Split", "pattern": {"Regex": "\\p{L}++"}, "behavior": "Isolated", "invert": false}""")),
            "'pre_tokenizer.pretokenizers[0].pattern.Regex'"),
        ["ByteLevel splitting again after a Split"] = (j => j["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(Obj("""{"type": "Split", "pattern": {"Regex": "\\s+"}, "behavior": "Isolated"}"""), Obj("""{"type": "ByteLevel", "use_regex": true}""")),
        }, "'pre_tokenizer.pretokenizers[1].use_regex' = true"),
        ["a Digits step in the pre-tokenizer sequence"] = (j => j["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(Obj("""{"type": "Digits", "individual_digits": true}"""), Obj("""{"type": "ByteLevel", "use_regex": true}""")),
        }, "'pre_tokenizer' = {\"type\":\"Sequence\""),
        ["a post-processor that adds a BOS"] = (j => j["post_processor"] = Obj("""
            {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [], "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [260], "tokens": ["<|endoftext|>"]}}}
            """), "'post_processor' = {\"type\":\"TemplateProcessing\""),
        ["a RoBERTa post-processor"] = (j => j["post_processor"] = Obj("""{"type": "RobertaProcessing", "sep": ["</s>", 2], "cls": ["<s>", 0]}"""), "'post_processor' = {\"type\":\"RobertaProcessing\""),
        ["a WordPiece decoder"] = (j => j["decoder"] = Obj("""{"type": "WordPiece", "prefix": "##"}"""), "'decoder' = {\"type\":\"WordPiece\""),
        ["an added token with lstrip"] = (j => j["added_tokens"]![0]!["lstrip"] = true, "'added_tokens[0].lstrip' = true"),
        ["an added token with rstrip"] = (j => j["added_tokens"]![1]!["rstrip"] = true, "'added_tokens[1].rstrip' = true"),
        ["a single-word added token"] = (j => j["added_tokens"]![2]!["single_word"] = true, "'added_tokens[2].single_word' = true"),
        ["a vocabulary lacking a byte"] = (j => Model(j)["vocab"]!.AsObject().Remove("Ā"), "'model.vocab' is not supported: it lacks the byte-level symbols of 1 byte(s) (first: 0x00"),
    };

    /// <summary>Malformed files: the messages Hybrid gave before the package was used, kept.</summary>
    private static readonly Dictionary<string, (Action<JsonObject> Edit, string Message)> s_malformed = new()
    {
        ["no model"] = (j => j.Remove("model"), "field 'model' is missing or not an object"),
        ["no vocabulary"] = (j => Model(j).Remove("vocab"), "field 'model.vocab' is missing or not an object"),
        ["a negative id"] = (j => Model(j)["vocab"]!["Ġhug"] = -5, "model.vocab['Ġhug'] = -5 is not a non-negative integer id"),
        ["an id too large"] = (j => Model(j)["vocab"]!["Ġhug"] = 20_000_000, "largest token id 20000000 is implausibly large"),
        ["no pre-tokenizer"] = (j => j["pre_tokenizer"] = null, "field 'pre_tokenizer' is missing; a byte-level BPE needs the ByteLevel pre-tokenizer"),
        ["no decoder"] = (j => j.Remove("decoder"), "field 'decoder' is missing; a byte-level BPE needs the ByteLevel decoder"),
        ["no merges"] = (j => Model(j).Remove("merges"), "field 'model.merges' is missing or not an array"),
        ["a merge of three"] = (j => Model(j)["merges"]!.AsArray().Add("a b c"), "model.merges[4] = \"a b c\" is not a merge"),
        ["a merge of unknown tokens"] = (j => Model(j)["merges"]!.AsArray().Add(new JsonArray("hug", "zz")), "model.merges[4] = [\"hug\",\"zz\"] uses \"zz\", which is not in 'model.vocab'"),
        ["a merge whose result is no token"] = (j => Model(j)["merges"]!.AsArray().Add("h u"), "uses \"hu\", which is not in 'model.vocab'"),
        ["an added token without an id"] = (j => j["added_tokens"]![0]!.AsObject().Remove("id"), "an entry of 'added_tokens' lacks an integer 'id' or a string 'content'"),
        ["an added token listed twice"] = (j => j["added_tokens"]!.AsArray().Add(Obj("""{"id": 300, "content": "<|im_end|>", "special": true}""")), "added_tokens[3]: \"<|im_end|>\" is listed twice"),
    };

    public static TheoryData<string> Unsupported() => new(s_unsupported.Keys);

    public static TheoryData<string> Malformed() => new(s_malformed.Keys);

    [Theory]
    [MemberData(nameof(Unsupported))]
    public void APartThePackageCannotReproduceIsRefusedNamingTheFileAndTheField(string name)
    {
        (Action<JsonObject> edit, string field) = s_unsupported[name];
        TokenizerFolders.EditTokenizerJson(_tmp.Path, edit);

        var error = Assert.Throws<InvalidDataException>(() => Tokenizer.Open(_tmp.Path));

        Assert.StartsWith($"{JsonPath}: field ", error.Message);
        Assert.Contains(field, error.Message);
        Assert.Contains("not supported", error.Message);
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void AMalformedTokenizerJsonIsRefusedNamingTheFileAndTheField(string name)
    {
        (Action<JsonObject> edit, string message) = s_malformed[name];
        TokenizerFolders.EditTokenizerJson(_tmp.Path, edit);

        var error = Assert.Throws<InvalidDataException>(() => Tokenizer.Open(_tmp.Path));

        Assert.StartsWith($"{JsonPath}: ", error.Message);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void TextThatIsNotJsonIsRefusedNamingTheFile()
    {
        File.WriteAllText(JsonPath, "{\"model\": {oops");

        var error = Assert.Throws<InvalidDataException>(() => Tokenizer.Open(_tmp.Path));

        Assert.StartsWith($"{JsonPath}: not valid JSON (", error.Message);
    }

    [Fact]
    public void AnOversizedFileIsRefusedBeforeItIsRead()
    {
        using (var file = new FileStream(JsonPath, FileMode.Truncate))
            file.SetLength(Tokenizer.MaxTokenizerJsonBytes + 1);  // sparse: nothing is written

        var error = Assert.Throws<InvalidDataException>(() => Tokenizer.Open(_tmp.Path));

        Assert.Equal($"{JsonPath}: {Tokenizer.MaxTokenizerJsonBytes + 1} bytes is over the {Tokenizer.MaxTokenizerJsonBytes}-byte limit", error.Message);
    }

    [Theory]
    [InlineData("add_bos_token")]
    [InlineData("add_eos_token")]
    public void AConfigThatAddsTokensToEveryTextIsRefused(string flag)
    {
        TokenizerFolders.EditConfig(_tmp.Path, c => c[flag] = true);

        var error = Assert.Throws<InvalidDataException>(() => Tokenizer.Open(_tmp.Path));

        Assert.StartsWith($"{ConfigPath}: field '{flag}' = true is not supported", error.Message);
    }

    [Fact]
    public void QwensNfcNormalizerAndATemplateThatAddsNothingAreAccepted()
    {
        TokenizerFolders.EditTokenizerJson(_tmp.Path, j =>
        {
            j["normalizer"] = Obj("""{"type": "NFC"}""");
            j["post_processor"] = Obj("""{"type": "TemplateProcessing", "single": [{"Sequence": {"id": "A", "type_id": 0}}], "pair": [], "special_tokens": {}}""");
        });
        TokenizerFolders.EditConfig(_tmp.Path, c => c["add_bos_token"] = false);

        using Tokenizer tokenizer = Tokenizer.Open(_tmp.Path);

        Assert.Equal([257, 259, 256], tokenizer.Encode("hug pug"));
        Assert.Equal([0x65, 0xCC, 0x81], tokenizer.Encode("e\u0301"));  // not composed to é (C3 A9): NFC is not applied, as in GenAI
    }

    [Fact]
    public void ApplyChatTemplateRendersOnlyHybridsChatMLTemplate()
    {
        ChatMessage[] chat = [ChatMessage.User("hi")];
        const string other = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}";
        using (Tokenizer tokenizer = Tokenizer.Open(_tmp.Path))
        {
            Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", tokenizer.ApplyChatTemplate(chat, addGenerationPrompt: true));
            var argument = Assert.Throws<NotSupportedException>(() => tokenizer.ApplyChatTemplate(chat, addGenerationPrompt: true, template: other));
            Assert.StartsWith("the template argument is not Hybrid's ChatML template", argument.Message);
        }

        TokenizerFolders.EditConfig(_tmp.Path, c => c["chat_template"] = other);
        using (Tokenizer tokenizer = Tokenizer.Open(_tmp.Path))
        {
            var folder = Assert.Throws<NotSupportedException>(() => tokenizer.ApplyChatTemplate(chat, addGenerationPrompt: true));
            Assert.StartsWith($"{ConfigPath}: field 'chat_template' is not Hybrid's ChatML template", folder.Message);
        }

        TokenizerFolders.EditConfig(_tmp.Path, c => c.Remove("chat_template"));
        using (Tokenizer tokenizer = Tokenizer.Open(_tmp.Path))
        {
            var missing = Assert.Throws<NotSupportedException>(() => tokenizer.ApplyChatTemplate(chat, addGenerationPrompt: true));
            Assert.Equal($"{ConfigPath}: field 'chat_template' is missing, so there is no chat format to render", missing.Message);
        }
    }
}
