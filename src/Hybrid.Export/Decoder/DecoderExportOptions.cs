// How a Qwen2/Llama decoder is exported: which attention kernel, overridable weights, and the GenAI context length.
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
}
