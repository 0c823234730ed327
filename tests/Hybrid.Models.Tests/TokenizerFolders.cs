// Tokenizer folders the tokenizer tests share: the presets' trained tokenizers and hand-written Llama 3 / Qwen2-style ones.
using System.Text.Json.Nodes;
using Hybrid.Models.Creation;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Models.Tests;

/// <summary>
/// Writes tokenizer folders into a temporary directory, once per test class (an xunit class fixture):
/// <list type="bullet">
/// <item><c>tiny</c>, <c>small</c>, <c>base100m</c>: the tokenizer <c>init-model --preset</c> trains for each preset in
/// models/*.json (through <see cref="ModelFactory.WriteTrainedTokenizer"/>, on models/corpus/hybrid-corpus.txt);</item>
/// <item><c>llama3</c>: a Llama-3-style tokenizer.json written by hand (<see cref="WriteLlama3Style"/>);</item>
/// <item><c>qwen2</c>: the same vocabulary with Qwen2's split pattern and NFC normalizer.</item>
/// </list>
/// </summary>
public sealed class TokenizerFolders : IDisposable
{
    /// <summary>The pre-tokenizer regex of Llama 3's tokenizer.json (digits in runs of at most three).</summary>
    public const string Llama3Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The pre-tokenizer regex of Qwen2's tokenizer.json (one digit per piece).</summary>
    public const string Qwen2Pattern = @"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    /// <summary>The special tokens of the Llama-3-style tokenizer, at ids 1000… (ids 266–999 are unused).</summary>
    public static readonly string[] Llama3Specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"];

    /// <summary>The Llama-3-style tokenizer's merges (plain text) in rank order: ids 256… in this order.</summary>
    public static readonly (string, string)[] Llama3Merges =
        [(" ", "t"), ("h", "e"), (" t", "he"), ("i", "n"), (" ", "a"), ("e", "r"), ("o", "n"), (" ", "s"), ("1", "2"), ("12", "3")];

    /// <summary>A vocabulary entry of the Llama-3-style tokenizer that no merge makes (id 266): GenAI emits it whole.</summary>
    public const string Llama3UnmergedWord = " tokenizer";

    private readonly TempDir _tmp = new();

    /// <summary>Writes all the folders.</summary>
    public TokenizerFolders()
    {
        foreach (string preset in Presets)
        {
            ModelRecipe recipe = ModelRecipe.Load(ModelCreationTests.RepoFile($"models/{preset}.json"));
            ModelFactory.WriteTrainedTokenizer(recipe.Tokenizer, _tmp[preset]);
        }
        WriteLlama3Style(_tmp["llama3"], Llama3Pattern, normalizer: null);
        WriteLlama3Style(_tmp["qwen2"], Qwen2Pattern, normalizer: new JsonObject { ["type"] = "NFC" });
    }

    /// <summary>The presets of models/*.json.</summary>
    public static readonly string[] Presets = ["tiny", "small", "base100m"];

    /// <summary>Every folder: the presets, then llama3 and qwen2.</summary>
    public static readonly string[] All = [.. Presets, "llama3", "qwen2"];

    /// <summary>The folder of <paramref name="name"/> (one of <see cref="All"/>).</summary>
    public string this[string name] => _tmp[name];

    /// <summary>A fresh empty folder under the fixture's directory.</summary>
    public string NewFolder() => Directory.CreateDirectory(_tmp[Guid.NewGuid().ToString("N")]).FullName;

    /// <summary>The shipped corpus the presets' tokenizers are trained on.</summary>
    public static string Corpus() => File.ReadAllText(ModelCreationTests.RepoFile("models/corpus/hybrid-corpus.txt"));

    public void Dispose() => _tmp.Dispose();

    /// <summary>
    /// A tokenizer.json shaped like Llama 3's: a <c>Sequence</c> of a <c>Split</c> by <paramref name="pattern"/> and
    /// <c>ByteLevel(use_regex=false)</c>, a BPE model with <c>ignore_merges</c>, the 256 byte symbols (ids 0–255 in
    /// GPT-2's byte order), <see cref="Llama3Merges"/> (ids 256–265), <see cref="Llama3UnmergedWord"/> (266), and
    /// <see cref="Llama3Specials"/> as special added tokens at 1000…; tokenizer_config.json names bos/eos but adds neither.
    /// </summary>
    public static void WriteLlama3Style(string dir, string pattern, JsonObject? normalizer)
    {
        Directory.CreateDirectory(dir);
        var vocab = new JsonObject();
        for (int b = 0; b < 256; b++) vocab[ByteLevelAlphabet.Symbol((byte)b).ToString()] = b;
        var merges = new JsonArray();
        foreach ((string left, string right) in Llama3Merges)
        {
            string l = ByteLevelAlphabet.Encode(left), r = ByteLevelAlphabet.Encode(right);
            vocab[l + r] = vocab.Count;
            merges.Add(new JsonArray(l, r));  // the array form, as recent Hugging Face files write merges
        }
        vocab[ByteLevelAlphabet.Encode(Llama3UnmergedWord)] = vocab.Count;
        var added = new JsonArray();
        for (int i = 0; i < Llama3Specials.Length; i++)
        {
            added.Add(new JsonObject
            {
                ["id"] = 1000 + i, ["content"] = Llama3Specials[i], ["single_word"] = false, ["lstrip"] = false,
                ["rstrip"] = false, ["normalized"] = false, ["special"] = true,
            });
        }
        var json = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = added,
            ["normalizer"] = normalizer,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = pattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = true, ["use_regex"] = false }),
            },
            ["post_processor"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = null,
                ["end_of_word_suffix"] = null, ["fuse_unk"] = false, ["byte_fallback"] = false, ["ignore_merges"] = true,
                ["vocab"] = vocab, ["merges"] = merges,
            },
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), json.ToJsonString());
        var config = new JsonObject
        {
            ["tokenizer_class"] = "PreTrainedTokenizerFast",
            ["bos_token"] = Llama3Specials[0],
            ["eos_token"] = Llama3Specials[4],
            ["model_max_length"] = 131072,
        };
        File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), config.ToJsonString());
    }

    /// <summary>Rewrites <paramref name="dir"/>'s tokenizer.json through <paramref name="edit"/>.</summary>
    public static void EditTokenizerJson(string dir, Action<JsonObject> edit) => Edit(Path.Combine(dir, "tokenizer.json"), edit);

    /// <summary>Rewrites <paramref name="dir"/>'s tokenizer_config.json through <paramref name="edit"/>.</summary>
    public static void EditConfig(string dir, Action<JsonObject> edit) => Edit(Path.Combine(dir, "tokenizer_config.json"), edit);

    private static void Edit(string path, Action<JsonObject> edit)
    {
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }
}
