// The pieces every exported decoder graph shares: weights as initializers, Linear, SwiGLU MLP, LM head, KV-cache names.
using System.Globalization;
using Hybrid.Export.Onnx;
using Hybrid.Tensors;
using Hybrid.Models.Config;
using static Hybrid.Export.Onnx.OnnxAttributes;
using DataType = Hybrid.Export.Onnx.TensorProto.Types.DataType;

namespace Hybrid.Export.Decoder;

/// <summary>
/// A graph under construction plus the weights it may use. Weights become initializers on first use (and, with
/// <see cref="DecoderExportOptions.OverridableWeights"/>, graph inputs too); int64 shape constants are created once
/// and stay inside model.onnx. With <see cref="DecoderExportOptions.Int4"/> the Linear layers (and optionally the LM
/// head) become <see cref="Int4MatMul"/> nodes quantized from the same float weights. Qwen2 and Llama share every piece:
/// they differ only in which projections carry a bias, which <see cref="Linear"/> reads from the weights present
/// (<see cref="DecoderConfig.QkvBias"/>, <see cref="DecoderConfig.OutputProjectionBias"/>).
/// </summary>
internal sealed class DecoderGraphParts
{
    /// <summary>GenAI's decoder interface names.</summary>
    public const string InputIds = "input_ids", AttentionMask = "attention_mask", PositionIds = "position_ids", Logits = "logits";

    private readonly Dictionary<string, GraphWeight> _weights;
    private readonly HashSet<string> _added = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _constants = new(StringComparer.Ordinal);
    private readonly bool _overridable;
    private readonly Int4Options? _int4;

    public DecoderGraphParts(string graphName, DecoderConfig config, IEnumerable<GraphWeight> weights, bool overridable, Int4Options? int4 = null)
    {
        Graph = new OnnxGraphBuilder(graphName);
        Config = config;
        _weights = weights.ToDictionary(w => w.Name, StringComparer.Ordinal);
        _overridable = overridable;
        _int4 = int4;
    }

    public OnnxGraphBuilder Graph { get; }
    public DecoderConfig Config { get; }

    public static string PastKey(int layer) => $"past_key_values.{layer.ToString(CultureInfo.InvariantCulture)}.key";
    public static string PastValue(int layer) => $"past_key_values.{layer.ToString(CultureInfo.InvariantCulture)}.value";
    public static string PresentKey(int layer) => $"present.{layer.ToString(CultureInfo.InvariantCulture)}.key";
    public static string PresentValue(int layer) => $"present.{layer.ToString(CultureInfo.InvariantCulture)}.value";

    /// <summary>True when the weight map holds <paramref name="name"/> (e.g. an optional bias).</summary>
    public bool Has(string name) => _weights.ContainsKey(name);

    /// <summary>The initializer <paramref name="name"/>, added on first use.</summary>
    public string Weight(string name)
    {
        if (_added.Contains(name)) return name;
        GraphWeight w = Source(name);
        Graph.AddInitializer(name, w.Value.AsSpan<float>(), w.Value.shape);
        if (_overridable && w.Learned) Graph.DeclareOverridable(name);
        _added.Add(name);
        return name;
    }

    /// <summary>The float weight <paramref name="name"/> as DecoderGraphWeights produced it (not added to the graph).</summary>
    private GraphWeight Source(string name) => _weights.TryGetValue(name, out GraphWeight? found) ? found
        : throw new InvalidOperationException($"the graph needs weight '{name}', which DecoderGraphWeights did not produce");

    /// <summary>An int64 constant (1-d, or 0-d when <paramref name="scalar"/>) named after its values, created once.</summary>
    public string IntConst(bool scalar, params long[] values)
    {
        string key = (scalar ? "scalar_" : "ints_") + string.Join('_', values.Select(v => v.ToString(CultureInfo.InvariantCulture))).Replace('-', 'm');
        if (_constants.TryGetValue(key, out string? name)) return name;
        name = $"/model/constants/{key}";
        if (scalar) Graph.AddInt64Scalar(name, values[0]);
        else Graph.AddInt64Initializer(name, values, values.Length);
        _constants[key] = name;
        return name;
    }

    /// <summary>A float scalar constant, created once.</summary>
    public string Float(string label, float value)
    {
        string key = "float_" + label;
        if (_constants.TryGetValue(key, out string? name)) return name;
        name = $"/model/constants/{label}";
        Graph.AddFloatScalar(name, value);
        _constants[key] = name;
        return name;
    }

    /// <summary>Shorthand for a one-output ai.onnx node.</summary>
    public string Node(string op, string name, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        Graph.AddNode(op, name, inputs, attributes);

    /// <summary>
    /// y = x·W (+ x·A·B) (+ b): <c>{path}/MatMul</c> with <c>{weightPrefix}.MatMul.weight</c> [in, out] (int4:
    /// <c>{path}/MatMulNBits</c> with that weight quantized); when the weights hold a LoRA pair for the layer
    /// (<see cref="DecoderExportOptions.Lora"/>), <c>{path}/lora_A/MatMul</c> → <c>{path}/lora_B/MatMul</c> added to it;
    /// then <c>{path}/Add</c> when <c>{weightPrefix}.Add.bias</c> exists.
    /// </summary>
    public string Linear(string path, string weightPrefix, string x)
    {
        string weight = $"{weightPrefix}.MatMul.weight";
        string y = _int4 is null ? Node("MatMul", $"{path}/MatMul", [x, Weight(weight)]) : Int4Linear($"{path}/MatMulNBits", weight, x);
        string loraA = $"{weightPrefix}.lora_A.MatMul.weight", loraB = $"{weightPrefix}.lora_B.MatMul.weight";
        if (Has(loraA))
        {
            string down = Node("MatMul", $"{path}/lora_A/MatMul", [x, Weight(loraA)]);        // [B,S,r]
            string up = Node("MatMul", $"{path}/lora_B/MatMul", [down, Weight(loraB)]);       // [B,S,out], s folded into B
            y = Node("Add", $"{path}/lora/Add", [y, up]);
        }
        string bias = $"{weightPrefix}.Add.bias";
        return Has(bias) ? Node("Add", $"{path}/Add", [y, Weight(bias)]) : y;
    }

    /// <summary>
    /// SwiGLU MLP of layer <paramref name="layer"/>, x [B,S,Dm] → [B,S,Dm]:
    /// <code>
    /// x ─┬─► gate_proj/MatMul [B,S,F] ─► Sigmoid ─► Mul(gate) = silu(gate) ─┐
    ///    └─► up_proj/MatMul [B,S,F] ───────────────────────────────────► Mul ─► down_proj/MatMul [B,S,Dm]
    /// </code>
    /// </summary>
    public string Mlp(int layer, string x)
    {
        string p = $"/model/layers.{layer}/mlp", w = $"{DecoderGraphWeights.Layer(layer)}.mlp";
        string gate = Linear($"{p}/gate_proj", $"{w}.gate_proj", x);                        // [B,S,F]
        string up = Linear($"{p}/up_proj", $"{w}.up_proj", x);                              // [B,S,F]
        string sigmoid = Node("Sigmoid", $"{p}/act_fn/Sigmoid", [gate]);
        string silu = Node("Mul", $"{p}/act_fn/Mul", [gate, sigmoid]);                      // [B,S,F]
        string product = Node("Mul", $"{p}/Mul", [silu, up]);                               // [B,S,F]
        return Linear($"{p}/down_proj", $"{w}.down_proj", product);                         // [B,S,Dm]
    }

    /// <summary>
    /// logits = h·W_lmᵀ [B,S,V] float32 into the graph output <c>logits</c>. Tied: W_lm is the embedding matrix, transposed
    /// in-graph (<c>/lm_head/Transpose</c>, folded once at load unless the embedding is overridable). With
    /// <see cref="Int4Options.QuantizeLmHead"/>: <c>/lm_head/MatMulNBits</c> over an int4 copy of W_lm [V, Dm]
    /// (<c>lm_head.MatMul.weight_Q4</c>, …), the embedding Gather keeping its float32 table.
    /// </summary>
    public void LmHead(string hidden)
    {
        if (_int4 is { QuantizeLmHead: true } int4)
        {
            int v = Config.VocabSize, dm = Config.HiddenSize;
            if (Config.TieWordEmbeddings)  // the embedding [V, Dm] is already [N, K]
                Int4MatMul.Add(this, int4, "/lm_head/MatMulNBits", DecoderGraphWeights.LmHead, Source(DecoderGraphWeights.Embedding).Value.AsSpan<float>(), v, dm, hidden, Logits);
            else
                Int4Linear("/lm_head/MatMulNBits", DecoderGraphWeights.LmHead, hidden, Logits);
        }
        else
        {
            string matrix = Config.TieWordEmbeddings
                ? Node("Transpose", "/lm_head/Transpose", [Weight(DecoderGraphWeights.Embedding)], Ints("perm", 1, 0))   // [Dm,V]
                : Weight(DecoderGraphWeights.LmHead);                                                                    // [Dm,V]
            Graph.AddNode("MatMul", "/lm_head/MatMul", [hidden, matrix], [Logits]);
        }
        Graph.AddOutput(Logits, DataType.Float, "batch_size", "sequence_length", Config.VocabSize);
    }

    /// <summary>MatMulNBits over the float MatMul weight <paramref name="weight"/> [in, out], quantized as [out, in].</summary>
    private string Int4Linear(string nodeName, string weight, string x, string? output = null)
    {
        TorchSharp.torch.Tensor w = Source(weight).Value;                                        // [K, N]
        int k = checked((int)w.size(0)), n = checked((int)w.size(1));
        float[] rows = Int4MatMul.Transpose(w.AsSpan<float>(), k, n);                       // [N, K]
        return Int4MatMul.Add(this, _int4!, nodeName, weight, rows, n, k, x, output);
    }

    /// <summary>The token embedding: Gather rows of <c>model.embed_tokens.weight</c> [V,Dm] → [B,S,Dm].</summary>
    public string Embed() => Node("Gather", "/model/embed_tokens/Gather", [Weight(DecoderGraphWeights.Embedding), InputIds]);

    /// <summary>Declares past_key_values.{l}.key/value [B,Hkv,P,D] inputs for every layer.</summary>
    public void AddPastInputs()
    {
        for (int l = 0; l < Config.NumHiddenLayers; l++)
        {
            Graph.AddInput(PastKey(l), DataType.Float, "batch_size", Config.NumKeyValueHeads, "past_sequence_length", Config.HeadDim);
            Graph.AddInput(PastValue(l), DataType.Float, "batch_size", Config.NumKeyValueHeads, "past_sequence_length", Config.HeadDim);
        }
    }

    /// <summary>Declares present.{l}.key/value [B,Hkv,T,D] outputs for every layer (after logits, as GenAI lists them).</summary>
    public void AddPresentOutputs()
    {
        for (int l = 0; l < Config.NumHiddenLayers; l++)
        {
            Graph.AddOutput(PresentKey(l), DataType.Float, "batch_size", Config.NumKeyValueHeads, "total_sequence_length", Config.HeadDim);
            Graph.AddOutput(PresentValue(l), DataType.Float, "batch_size", Config.NumKeyValueHeads, "total_sequence_length", Config.HeadDim);
        }
    }
}
