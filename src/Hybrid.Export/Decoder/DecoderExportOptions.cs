// How a Qwen2/Llama decoder is exported: which attention kernel, overridable weights, the GenAI context length, int4 weights.
using Hybrid.Onnx;

namespace Hybrid.Export.Decoder;

/// <summary>Which ONNX operators implement attention and normalisation in an exported decoder.</summary>
public enum AttentionKernel
{
    /// <summary>
    /// Standard ai.onnx opset-17 operators only: RMSNorm from primitives, RoPE from gathered cos/sin tables, attention as
    /// MatMul/Softmax with a Concat KV cache (GenAI <c>past_present_share_buffer: false</c>). Runs anywhere; the oracle
    /// the optimized graph is checked against.
    /// </summary>
    Reference,

    /// <summary>
    /// ONNX Runtime contrib operators, as the GenAI model builder emits for CPU: <c>com.microsoft.GroupQueryAttention</c>
    /// with its built-in rotary (cos/sin caches) and an in-place KV buffer (<c>past_present_share_buffer: true</c>),
    /// <c>SimplifiedLayerNormalization</c> and <c>com.microsoft.SkipSimplifiedLayerNormalization</c>, one packed q/k/v
    /// MatMul. GroupQueryAttention reads the cache up to <c>seqlens_k</c>, so a batch must be right-padded (as GenAI pads
    /// it); left padding is only supported by <see cref="Reference"/>.
    /// </summary>
    Optimized,
}

/// <summary>Options of <see cref="DecoderExporter"/>.</summary>
public sealed record DecoderExportOptions
{
    /// <summary>Attention/normalisation kernel; default <see cref="AttentionKernel.Reference"/>.</summary>
    public AttentionKernel Kernel { get; init; } = AttentionKernel.Reference;

    /// <summary>
    /// When true every learned weight initializer is also declared as a graph input of the same name, type and shape
    /// (an ONNX Runtime overridable initializer), so a GenAI adapter or an ORT caller can replace it without reloading.
    /// Default false: ORT may then constant-fold and pre-pack weights (faster).
    /// </summary>
    public bool OverridableWeights { get; init; }

    /// <summary>
    /// genai_config <c>context_length</c> and <c>search.max_length</c>, and the rows of the rotary tables; default
    /// (null) = the config's <c>max_position_embeddings</c>.
    /// </summary>
    public int? ContextLength { get; init; }

    /// <summary>
    /// When set, the Linear layers of an <see cref="AttentionKernel.Optimized"/> export are stored as blockwise int4
    /// (<c>com.microsoft.MatMulNBits</c>, see <see cref="Int4Options"/>); default null = float32 everywhere. Needs the
    /// optimized kernel and no <see cref="OverridableWeights"/> (an adapter cannot replace packed int4 weights).
    /// </summary>
    public Int4Options? Int4 { get; init; }

    /// <summary>
    /// When set, every Linear the adapter targets gets a LoRA path beside its frozen weight, y = x·W + (x·Aᵀ)·(s·Bᵀ),
    /// with <c>{prefix}.lora_A.MatMul.weight</c> [in, r] and <c>{prefix}.lora_B.MatMul.weight</c> [r, out] (the scaling s
    /// folded into B) read from the state dict's <c>….lora_A.weight</c> / <c>….lora_B.weight</c>. With
    /// <see cref="OverridableWeights"/> only these A/B matrices become overridable, so a weight sync pushes the adapter
    /// alone and ORT keeps pre-packing the frozen base. The optimized kernel's packed q/k/v gets one path whose A
    /// stacks the adapted members' A and whose B is block-diagonal (zeros where a member is not adapted).
    /// Default null: no LoRA paths (a LoRA model is exported merged). Not combinable with <see cref="Int4"/>.
    /// </summary>
    public Hybrid.Models.Lora.LoraConfig? Lora { get; init; }

    /// <summary>
    /// The device genai_config.json names for the decoder (<c>session_options.provider_options</c>): GenAI runs the
    /// folder there unless the loader overrides it. Default <see cref="OnnxDevice.Cpu"/> (no provider entry, so any GenAI
    /// build loads the folder); <c>cuda</c> needs GenAI's CUDA add-on wherever the folder is loaded.
    /// </summary>
    public OnnxDevice Device { get; init; }
}

/// <summary>
/// Weight-only int4 export: q/k/v (packed), o, gate, up and down projections become <c>com.microsoft.MatMulNBits</c>
/// nodes over <see cref="Int4Quantizer"/> weights; activations, embeddings, norms and biases (kept as Add nodes) stay
/// float32. About 8× smaller Linear weights at a small logit error (<c>tools/bench int4</c> measures it).
/// </summary>
public sealed record Int4Options
{
    /// <summary>
    /// Weights per quantization block along the input dimension K, each with its own scale (and zero point): a power of
    /// two ≥ 16. Default 32, as GenAI's model builder and ORT's quantizer use: smaller is more accurate, larger is smaller
    /// (4 + 32/BlockSize bits per weight, asymmetric: + 4/BlockSize). K need not be a multiple (the last block is padded).
    /// </summary>
    public int BlockSize { get; init; } = 32;

    /// <summary>
    /// Symmetric blocks (scale only, zero point 8) instead of the default asymmetric ones (scale and a 4-bit zero point,
    /// all 16 codes spent on [min, max]; more accurate for skewed blocks). See <see cref="Int4Quantizer"/>.
    /// </summary>
    public bool Symmetric { get; init; }

    /// <summary>
    /// Also quantize the LM head (for a tied model, an int4 copy of the embedding; the Gather keeps the float32 one).
    /// Default false: the head is a small share of a small model's weights and its error goes straight into the logits.
    /// </summary>
    public bool QuantizeLmHead { get; init; }

    /// <summary>
    /// MatMulNBits <c>accuracy_level</c>, how ORT may compute with the activations: 0 = unset (float32), 1 fp32, 2 fp16,
    /// 3 bf16, 4 int8 (activations quantized per block). Default 4, as llama.cpp's Q4_0 does (its dot products take int8
    /// activations): on 2 cores it decoded an 88M Llama at 1 and 8 prompts 1.3–1.9× faster than level 0 and ahead of
    /// llama.cpp Q4_0, for a mean |Δlogit| against float32 of 0.0835 instead of 0.0826 (max 1.15 vs 1.11; same top-1 and
    /// greedy agreement; <c>tools/bench int4</c>, <c>tools/bench decode</c>). Level 0 gives a float32 MatMul with the
    /// dequantized weights up to float rounding (the parity tests' setting).
    /// </summary>
    public int AccuracyLevel { get; init; } = 4;

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the field, its value and the fix.</summary>
    public Int4Options Validate()
    {
        Int4Quantizer.ValidateBlockSize(BlockSize, $"{nameof(Int4Options)}.{nameof(BlockSize)}");
        if (AccuracyLevel is < 0 or > 4)
            throw new ArgumentException($"{nameof(Int4Options)}.{nameof(AccuracyLevel)} = {AccuracyLevel}: MatMulNBits accepts 0 (unset), 1 (fp32), 2 (fp16), 3 (bf16) or 4 (int8)");
        return this;
    }
}
