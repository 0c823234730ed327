// The Hugging Face generation_config.json: special-token ids and the default sampling settings of a checkpoint.
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;
using Hybrid.Models.Config;

namespace Hybrid.Models.Checkpoints;

/// <summary>
/// The subset of <c>generation_config.json</c> Hybrid reads and writes. Defaults are transformers' <c>GenerationConfig</c>
/// defaults, so a file that omits a field means what it means to transformers. Unknown fields are ignored on load.
/// </summary>
public sealed record GenerationConfig
{
    /// <summary><c>bos_token_id</c>, or null.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c>: one id or a list; generation stops at any of them (e.g. <c>&lt;|im_end|&gt;</c> and <c>&lt;|endoftext|&gt;</c>).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>pad_token_id</c>, or null.</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>do_sample</c>: sample (true) or decode greedily (false, the transformers default).</summary>
    public bool DoSample { get; init; }

    /// <summary><c>temperature</c>: divides the logits before sampling; default 1.0. Must be &gt; 0.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary><c>top_p</c>: nucleus-sampling mass in (0, 1]; default 1.0 (off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary><c>top_k</c>: keep the k most likely tokens; default 50 (transformers); 0 turns it off.</summary>
    public int TopK { get; init; } = 50;

    /// <summary><c>max_new_tokens</c>, or null for the caller's choice.</summary>
    public int? MaxNewTokens { get; init; }

    /// <summary>Checks every field; throws <see cref="ConfigException"/> naming the field, its value and the range.</summary>
    public GenerationConfig Validate(string source = "generation_config")
    {
        void Require(bool ok, string field, object? value, string expected)
        {
            if (!ok) throw new ConfigException($"{source}: field '{field}' = {value ?? "null"} is not valid: {expected}");
        }
        Require(Temperature > 0 && double.IsFinite(Temperature), "temperature", Temperature, "must be a finite number > 0");
        Require(TopP > 0 && TopP <= 1, "top_p", TopP, "must be in (0, 1]");
        Require(TopK >= 0, "top_k", TopK, "must be >= 0 (0 = off)");
        Require(MaxNewTokens is null or > 0, "max_new_tokens", MaxNewTokens, "must be > 0");
        Require(BosTokenId is null or >= 0, "bos_token_id", BosTokenId, "must be >= 0");
        Require(PadTokenId is null or >= 0, "pad_token_id", PadTokenId, "must be >= 0");
        foreach (int id in EosTokenIds) Require(id >= 0, "eos_token_id", id, "must be >= 0");
        return this;
    }

    /// <summary>Reads and validates a generation_config.json; errors name the file and the field.</summary>
    public static GenerationConfig Load(string path) => FromJson(JsonFields.ReadObject(path), path);

    /// <summary>Builds the record from a parsed generation_config.json; <paramref name="source"/> names it in errors.</summary>
    public static GenerationConfig FromJson(JsonObject root, string source)
    {
        var reader = new JsonFields(root, source);
        var defaults = new GenerationConfig();
        return new GenerationConfig
        {
            BosTokenId = reader.Int("bos_token_id"),
            EosTokenIds = reader.IntOrInts("eos_token_id") ?? [],
            PadTokenId = reader.Int("pad_token_id"),
            DoSample = reader.Bool("do_sample") ?? defaults.DoSample,
            Temperature = reader.Double("temperature") ?? defaults.Temperature,
            TopP = reader.Double("top_p") ?? defaults.TopP,
            TopK = reader.Int("top_k") ?? defaults.TopK,
            MaxNewTokens = reader.Int("max_new_tokens"),
        }.Validate(source);
    }

    /// <summary>The record as generation_config.json content (null ids and max_new_tokens omitted).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject();
        if (BosTokenId is int bos) o["bos_token_id"] = bos;
        if (EosTokenIds.Count == 1) o["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) o["eos_token_id"] = new JsonArray(EosTokenIds.Select(e => (JsonNode)e).ToArray());
        if (PadTokenId is int pad) o["pad_token_id"] = pad;
        o["do_sample"] = DoSample;
        o["temperature"] = Temperature;
        o["top_p"] = TopP;
        o["top_k"] = TopK;
        if (MaxNewTokens is int max) o["max_new_tokens"] = max;
        return o;
    }

    /// <summary>Writes generation_config.json (indented) atomically.</summary>
    public void Save(string path) =>
        AtomicFile.WriteText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
}
