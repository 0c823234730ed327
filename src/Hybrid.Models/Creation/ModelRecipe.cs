// A named model preset read from a small JSON file in models/: the config.json fields plus how to make the tokenizer.
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Models.Config;

namespace Hybrid.Models.Creation;

/// <summary>How a created model gets its tokenizer: trained on a corpus, or copied from an existing tokenizer folder.</summary>
public sealed record TokenizerRecipe
{
    /// <summary>UTF-8 text file the BPE tokenizer is trained on (<c>tokenizer.corpus</c>, relative to the recipe file).</summary>
    public string? CorpusPath { get; init; }

    /// <summary>Target vocabulary size incl. 256 bytes and 3 special tokens (<c>tokenizer.vocab_size</c>); a small corpus may give fewer.</summary>
    public int VocabSize { get; init; } = 512;

    /// <summary>A pair must occur this often to become a merge (<c>tokenizer.min_frequency</c>, default 2).</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>Instead of training: a folder whose tokenizer files are used as they are (<c>tokenizer.source_dir</c>).</summary>
    public string? SourceDir { get; init; }
}

/// <summary>
/// A model preset (<c>models/tiny.json</c>, <c>models/small.json</c>, <c>models/base100m.json</c>):
/// <code>
/// {
///   "name": "tiny", "description": "…", "dtype": "float32",
///   "tokenizer": {"corpus": "corpus/hybrid-corpus.txt", "vocab_size": 384, "min_frequency": 2},
///   "config": {"model_type": "qwen2", "hidden_size": 64, …}      // config.json fields; vocab_size optional
/// }
/// </code>
/// When <c>config.vocab_size</c> is absent it becomes the tokenizer's size rounded up to a multiple of
/// <see cref="PadVocabToMultipleOf"/>; when present it must be at least the tokenizer's size (the extra rows are unused).
/// </summary>
public sealed record ModelRecipe
{
    /// <summary><c>name</c>: the preset's name (defaults to the file name without extension).</summary>
    public required string Name { get; init; }

    /// <summary><c>description</c>: one line for humans.</summary>
    public string Description { get; init; } = "";

    /// <summary><c>config</c>: config.json fields (Hugging Face keys). <c>vocab_size</c> may be left out.</summary>
    public required JsonObject ConfigJson { get; init; }

    /// <summary><c>tokenizer</c>.</summary>
    public required TokenizerRecipe Tokenizer { get; init; }

    /// <summary><c>dtype</c>: "float32" (default) or "bfloat16", the stored weight type.</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary><c>pad_vocab_to_multiple_of</c>: default 64 (matmul-friendly rows).</summary>
    public int PadVocabToMultipleOf { get; init; } = 64;

    /// <summary>Where the recipe was read from (null when built in code).</summary>
    public string? SourcePath { get; init; }

    /// <summary>The decoder config for a tokenizer of <paramref name="tokenizerVocabSize"/> ids (vocab_size filled in or checked).</summary>
    public DecoderConfig ConfigFor(int tokenizerVocabSize)
    {
        string source = SourcePath is null ? $"recipe '{Name}'" : $"{SourcePath} (config)";
        var json = (JsonObject)ConfigJson.DeepClone();
        if (json["vocab_size"] is null)
        {
            int multiple = Math.Max(1, PadVocabToMultipleOf);
            json["vocab_size"] = (tokenizerVocabSize + multiple - 1) / multiple * multiple;
        }
        DecoderConfig config = DecoderConfig.FromJson(json, source);
        if (config.VocabSize < tokenizerVocabSize)
            throw new ConfigException($"{source}: field 'vocab_size' = {config.VocabSize} is smaller than the tokenizer's {tokenizerVocabSize} ids; raise it or drop it to use the tokenizer's size");
        return config;
    }

    /// <summary>Reads and checks a recipe file; relative paths in it are resolved against its folder. Errors name the file and field.</summary>
    public static ModelRecipe Load(string path)
    {
        string full = Path.GetFullPath(path);
        if (!File.Exists(full)) throw new FileNotFoundException($"model recipe '{full}' does not exist", full);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(full), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                ?? throw new ConfigException($"{full}: the file is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new ConfigException($"{full}: not valid JSON ({ex.Message})");
        }
        var fields = new JsonFields(root, full);
        string folder = Path.GetDirectoryName(full)!;
        if (root["config"] is not JsonObject config) throw new ConfigException($"{full}: field 'config' is missing or not an object (config.json fields)");
        if (root["tokenizer"] is not JsonObject tok) throw new ConfigException($"{full}: field 'tokenizer' is missing or not an object ({{\"corpus\": …, \"vocab_size\": …}})");
        var t = new JsonFields(tok, $"{full} (tokenizer)");
        string? corpus = t.String("corpus"), sourceDir = t.String("source_dir");
        if ((corpus is null) == (sourceDir is null))
            throw new ConfigException($"{full}: field 'tokenizer' needs exactly one of 'corpus' (train a BPE tokenizer) or 'source_dir' (copy one)");
        string dtypeName = fields.String("dtype") ?? "float32";
        ScalarType dtype = dtypeName switch
        {
            "float32" => ScalarType.Float32,
            "bfloat16" => ScalarType.BFloat16,
            _ => throw new ConfigException($"{full}: field 'dtype' = \"{dtypeName}\" is not supported: expected float32 or bfloat16"),
        };
        var recipe = new ModelRecipe
        {
            Name = fields.String("name") ?? Path.GetFileNameWithoutExtension(full),
            Description = fields.String("description") ?? "",
            ConfigJson = config,
            Tokenizer = new TokenizerRecipe
            {
                CorpusPath = corpus is null ? null : Path.GetFullPath(Path.Combine(folder, corpus)),
                SourceDir = sourceDir is null ? null : Path.GetFullPath(Path.Combine(folder, sourceDir)),
                VocabSize = t.Int("vocab_size") ?? 512,
                MinFrequency = t.Int("min_frequency") ?? 2,
            },
            DType = dtype,
            PadVocabToMultipleOf = fields.Int("pad_vocab_to_multiple_of") ?? 64,
            SourcePath = full,
        };
        if (recipe.Tokenizer.CorpusPath is string c && !File.Exists(c))
            throw new ConfigException($"{full}: field 'tokenizer.corpus' = \"{corpus}\" does not exist (resolved to {c})");
        if (recipe.PadVocabToMultipleOf < 1)
            throw new ConfigException($"{full}: field 'pad_vocab_to_multiple_of' = {recipe.PadVocabToMultipleOf} must be >= 1");
        recipe.ConfigFor(corpus is null ? 1 : recipe.Tokenizer.VocabSize);  // validates the config fields now, not after training
        return recipe;
    }
}
