// The Hugging Face config.json of a Qwen2/Llama-family decoder: fields, defaults, validation, and the tensor names it implies.
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;

namespace Hybrid.Models.Config;

/// <summary>
/// A decoder-only transformer's architecture as Hugging Face's <c>config.json</c> states it (Qwen2 and Llama families).
/// Field names in comments are the JSON keys. Unknown or unsupported values are rejected by <see cref="Validate"/> and by
/// <see cref="Load"/> with a <see cref="ConfigException"/> naming the field.
/// </summary>
public sealed record DecoderConfig
{
    /// <summary>The model families Hybrid implements (<c>model_type</c>).</summary>
    public static readonly IReadOnlyList<string> SupportedModelTypes = ["qwen2", "llama"];

    /// <summary><c>model_type</c>: "qwen2" or "llama".</summary>
    public string ModelType { get; init; } = "qwen2";

    /// <summary><c>architectures</c>: e.g. ["Qwen2ForCausalLM"]; written as the family's CausalLM class by default.</summary>
    public IReadOnlyList<string> Architectures { get; init; } = [];

    /// <summary><c>vocab_size</c>: rows of the embedding and LM head.</summary>
    public int VocabSize { get; init; }

    /// <summary><c>hidden_size</c> (D).</summary>
    public int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c>: width of the SwiGLU MLP.</summary>
    public int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>.</summary>
    public int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c> (H).</summary>
    public int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c> (grouped-query attention; equal to H for multi-head attention).</summary>
    public int NumKeyValueHeads { get; init; }

    /// <summary><c>head_dim</c> when present, else hidden_size / num_attention_heads.</summary>
    public int HeadDim { get; init; }

    /// <summary><c>rms_norm_eps</c>; Qwen2 ships 1e-6, Llama 1e-5 (or 1e-6).</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary><c>rope_theta</c>: the rotary base; 10000 in the RoPE paper, 1e6 in Qwen2, 5e5 in Llama 3.</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary><c>max_position_embeddings</c>: the longest context the model is meant for.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary><c>tie_word_embeddings</c>: the LM head reuses the embedding matrix (no <c>lm_head.weight</c> tensor).</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>
    /// Whether q/k/v (and for Llama o) projections carry a bias. Qwen2 always has q/k/v biases and no o bias (its config has
    /// no such field); Llama reads <c>attention_bias</c> (default false), which applies to all four projections.
    /// </summary>
    public bool AttentionBias { get; init; }

    /// <summary><c>bos_token_id</c>, or null.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c>: one id or a list (generation stops at any of them).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>pad_token_id</c>, or null.</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>torch_dtype</c> of the stored weights ("float32", "bfloat16", "float16"); informational.</summary>
    public string TorchDtype { get; init; } = "float32";

    /// <summary>
    /// <c>num_labels</c> of a sequence-classification checkpoint (a reward model: 1, a scalar score); 1 by default.
    /// </summary>
    public int NumLabels { get; init; } = 1;

    /// <summary>
    /// True when <c>architectures</c> names a <c>*ForSequenceClassification</c> head (Hugging Face's reward-model layout):
    /// the checkpoint then holds <c>score.weight</c> [num_labels, D] instead of an LM head.
    /// </summary>
    public bool IsSequenceClassifier => Architectures.Any(a => a.EndsWith("ForSequenceClassification", StringComparison.Ordinal));

    /// <summary>This config as a reward model's: <c>{Qwen2|Llama}ForSequenceClassification</c> with one label (unchanged when it already is one).</summary>
    public DecoderConfig WithScoreHead() => IsSequenceClassifier ? this
        : this with { Architectures = [$"{(ModelType == "llama" ? "Llama" : "Qwen2")}ForSequenceClassification"], NumLabels = 1 };

    /// <summary>True for Qwen2, whose q/k/v projections always have biases.</summary>
    public bool QkvBias => ModelType == "qwen2" || AttentionBias;

    /// <summary>True for Llama with attention_bias; Qwen2's o_proj never has a bias.</summary>
    public bool OutputProjectionBias => ModelType == "llama" && AttentionBias;

    /// <summary>
    /// Every parameter tensor in Hugging Face naming, with its shape, in a fixed order: embedding, then each layer
    /// (attention, MLP, norms), final norm, then the head: <c>lm_head.weight</c> (absent when tied) for a causal LM, or
    /// <c>score.weight</c> for a sequence classifier (<see cref="IsSequenceClassifier"/>).
    /// </summary>
    public IEnumerable<(string Name, long[] Shape)> ParameterShapes()
    {
        long d = HiddenSize, qd = (long)NumAttentionHeads * HeadDim, kvd = (long)NumKeyValueHeads * HeadDim, f = IntermediateSize;
        yield return ("model.embed_tokens.weight", [VocabSize, d]);
        for (int i = 0; i < NumHiddenLayers; i++)
        {
            string p = $"model.layers.{i}.";
            yield return (p + "self_attn.q_proj.weight", [qd, d]);
            if (QkvBias) yield return (p + "self_attn.q_proj.bias", [qd]);
            yield return (p + "self_attn.k_proj.weight", [kvd, d]);
            if (QkvBias) yield return (p + "self_attn.k_proj.bias", [kvd]);
            yield return (p + "self_attn.v_proj.weight", [kvd, d]);
            if (QkvBias) yield return (p + "self_attn.v_proj.bias", [kvd]);
            yield return (p + "self_attn.o_proj.weight", [d, qd]);
            if (OutputProjectionBias) yield return (p + "self_attn.o_proj.bias", [d]);
            yield return (p + "mlp.gate_proj.weight", [f, d]);
            yield return (p + "mlp.up_proj.weight", [f, d]);
            yield return (p + "mlp.down_proj.weight", [d, f]);
            yield return (p + "input_layernorm.weight", [d]);
            yield return (p + "post_attention_layernorm.weight", [d]);
        }
        yield return ("model.norm.weight", [d]);
        if (IsSequenceClassifier) yield return ("score.weight", [NumLabels, d]);
        else if (!TieWordEmbeddings) yield return ("lm_head.weight", [VocabSize, d]);
    }

    /// <summary>Number of parameter elements (tied embeddings counted once).</summary>
    public long ParameterCount() => ParameterShapes().Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    /// <summary>Largest accepted <c>max_position_embeddings</c> (2²⁰; real Qwen2/Llama configs use up to 131,072).</summary>
    public const int MaxSupportedPositions = 1 << 20;

    /// <summary>Largest parameter tensor, in float32 values: 2 GiB (safetensors tensors are read and written in one piece).</summary>
    public const long MaxTensorElements = (int.MaxValue / 4);

    /// <summary>Checks every field; throws <see cref="ConfigException"/> naming the first bad field, its value and the fix.</summary>
    public DecoderConfig Validate(string source = "config")
    {
        void Require(bool ok, string field, object? value, string expected)
        {
            if (!ok) throw new ConfigException($"{source}: field '{field}' = {Show(value)} is not supported: {expected}");
        }
        Require(SupportedModelTypes.Contains(ModelType), "model_type", ModelType, $"expected one of {string.Join(", ", SupportedModelTypes)}");
        Require(VocabSize > 0, "vocab_size", VocabSize, "must be > 0");
        Require(HiddenSize > 0, "hidden_size", HiddenSize, "must be > 0");
        Require(IntermediateSize > 0, "intermediate_size", IntermediateSize, "must be > 0");
        Require(NumHiddenLayers > 0, "num_hidden_layers", NumHiddenLayers, "must be > 0");
        Require(NumAttentionHeads > 0, "num_attention_heads", NumAttentionHeads, "must be > 0");
        Require(NumKeyValueHeads > 0 && NumAttentionHeads % NumKeyValueHeads == 0, "num_key_value_heads", NumKeyValueHeads,
            $"must be > 0 and divide num_attention_heads ({NumAttentionHeads})");
        Require(HeadDim > 0 && HeadDim % 2 == 0, "head_dim", HeadDim, "must be a positive even number (rotary embedding pairs dimensions)");
        Require(RmsNormEps > 0, "rms_norm_eps", RmsNormEps, "must be > 0");
        Require(RopeTheta > 0, "rope_theta", RopeTheta, "must be > 0");
        Require(MaxPositionEmbeddings is > 0 and <= MaxSupportedPositions, "max_position_embeddings", MaxPositionEmbeddings,
            $"must be in [1, {MaxSupportedPositions}] (exports hold rotary tables of max_position_embeddings × head_dim values)");
        Require(!IsSequenceClassifier || NumLabels == 1, "num_labels", NumLabels, "a reward model has one label (a scalar score)");
        foreach (var (name, shape) in ParameterShapes())
        {
            long elements = shape.Aggregate(1L, (a, b) => a * b);
            if (elements > MaxTensorElements)
                throw new ConfigException($"{source}: tensor '{name}' [{string.Join(", ", shape)}] would hold {elements:N0} values " +
                                          $"({elements * 4.0 / (1L << 30):F1} GiB as float32); one tensor is limited to {MaxTensorElements:N0} values (2 GiB)");
        }
        foreach (var (field, id) in new[] { ("bos_token_id", BosTokenId), ("pad_token_id", PadTokenId) })
            Require(id is null || (id >= 0 && id < VocabSize), field, id, $"must be in [0, vocab_size = {VocabSize})");
        foreach (int id in EosTokenIds)
            Require(id >= 0 && id < VocabSize, "eos_token_id", id, $"must be in [0, vocab_size = {VocabSize})");
        return this;
    }

    /// <summary>Reads and validates a config.json; every error names the file and the field.</summary>
    public static DecoderConfig Load(string path) => FromJson(JsonFields.ReadObject(path), path);

    /// <summary>Builds a config from a parsed config.json object; <paramref name="source"/> names it in errors.</summary>
    public static DecoderConfig FromJson(JsonObject root, string source)
    {
        var reader = new JsonFields(root, source);
        string modelType = reader.String("model_type", required: true)!;
        if (!SupportedModelTypes.Contains(modelType))
            throw new ConfigException($"{source}: field 'model_type' = \"{modelType}\" is not supported: expected one of {string.Join(", ", SupportedModelTypes)}");
        reader.Reject("hidden_act", v => v is null || v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == "silu", "only \"silu\" (SwiGLU) is implemented");
        reader.Reject("rope_scaling", v => v is null || v.GetValueKind() == JsonValueKind.Null, "rotary scaling is not implemented; use null");
        reader.Reject("use_sliding_window", v => v is null || v.GetValueKind() == JsonValueKind.False, "sliding-window attention is not implemented; use false");
        reader.Reject("mlp_bias", v => v is null || v.GetValueKind() == JsonValueKind.False, "MLP biases are not implemented; use false");
        int hidden = reader.Int("hidden_size", required: true)!.Value;
        int heads = reader.Int("num_attention_heads", required: true)!.Value;
        if (heads <= 0) throw new ConfigException($"{source}: field 'num_attention_heads' = {heads} is not supported: must be > 0");
        var config = new DecoderConfig
        {
            ModelType = modelType,
            Architectures = reader.Strings("architectures") ?? [DefaultArchitecture(modelType)],
            VocabSize = reader.Int("vocab_size", required: true)!.Value,
            HiddenSize = hidden,
            IntermediateSize = reader.Int("intermediate_size", required: true)!.Value,
            NumHiddenLayers = reader.Int("num_hidden_layers", required: true)!.Value,
            NumAttentionHeads = heads,
            NumKeyValueHeads = reader.Int("num_key_value_heads") ?? heads,
            HeadDim = reader.Int("head_dim") ?? hidden / heads,
            RmsNormEps = reader.Double("rms_norm_eps") ?? 1e-6,  // the Qwen2Config and LlamaConfig default
            RopeTheta = reader.Double("rope_theta") ?? 10000.0,
            MaxPositionEmbeddings = reader.Int("max_position_embeddings") ?? 2048,
            TieWordEmbeddings = reader.Bool("tie_word_embeddings") ?? false,
            AttentionBias = modelType == "llama" && (reader.Bool("attention_bias") ?? false),
            BosTokenId = reader.Int("bos_token_id"),
            EosTokenIds = reader.IntOrInts("eos_token_id") ?? [],
            PadTokenId = reader.Int("pad_token_id"),
            TorchDtype = reader.String("torch_dtype") ?? "float32",
            NumLabels = reader.Int("num_labels") ?? (root["id2label"] as JsonObject)?.Count ?? 1,
        };
        if (hidden % heads != 0 && reader.Int("head_dim") is null)
            throw new ConfigException($"{source}: field 'hidden_size' = {hidden} is not divisible by num_attention_heads = {heads}; give 'head_dim'");
        return config.Validate(source);
    }

    /// <summary>The config as config.json content (Hugging Face keys; fields at their values, not omitted).</summary>
    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(Architectures.Count > 0 ? Architectures.Select(a => (JsonNode)a).ToArray() : [DefaultArchitecture(ModelType)]),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["rope_scaling"] = null,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = TorchDtype,
        };
        if (ModelType == "llama") o["attention_bias"] = AttentionBias;
        if (ModelType == "qwen2") o["use_sliding_window"] = false;
        if (BosTokenId is int bos) o["bos_token_id"] = bos;
        if (EosTokenIds.Count == 1) o["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) o["eos_token_id"] = new JsonArray(EosTokenIds.Select(e => (JsonNode)e).ToArray());
        if (PadTokenId is int pad) o["pad_token_id"] = pad;
        if (IsSequenceClassifier) o["num_labels"] = NumLabels;
        return o;
    }

    /// <summary>Writes config.json (indented) atomically.</summary>
    public void Save(string path) =>
        AtomicFile.WriteText(path, ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    private static string DefaultArchitecture(string modelType) => modelType == "llama" ? "LlamaForCausalLM" : "Qwen2ForCausalLM";

    private static string Show(object? value) => value switch { null => "null", string s => $"\"{s}\"", _ => Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)! };
}
