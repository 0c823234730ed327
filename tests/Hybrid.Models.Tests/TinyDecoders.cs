// Tiny decoder configs covering the architecture's switches, and a weight randomiser that makes every parameter matter.
using Hybrid.Models.Config;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Tests;

/// <summary>Named tiny configs (GQA or not, tied or not, qwen2 / llama with and without biases, explicit head_dim).</summary>
internal static class TinyDecoders
{
    public static readonly IReadOnlyDictionary<string, DecoderConfig> Configs = new Dictionary<string, DecoderConfig>
    {
        // Qwen2 (q/k/v biases), grouped-query 4 heads / 2 KV heads, tied embeddings.
        ["qwen2-gqa-tied"] = Make("qwen2", heads: 4, kvHeads: 2, tied: true),
        // Qwen2, multi-head 4 / 4, untied, Qwen2's rotary base.
        ["qwen2-mha-untied"] = Make("qwen2", heads: 4, kvHeads: 4, tied: false, theta: 1e6),
        // Llama with attention_bias (q/k/v/o biases), head_dim 12 given explicitly (hidden / heads would be 8).
        ["llama-bias-headdim12"] = Make("llama", heads: 4, kvHeads: 2, tied: false, attentionBias: true, headDim: 12),
        // Llama without biases, one shared KV head (multi-query), tied, three layers, Llama's eps.
        ["llama-mqa-tied"] = Make("llama", heads: 4, kvHeads: 1, tied: true, layers: 3, eps: 1e-5),
    };

    public static TheoryData<string> Names => new(Configs.Keys);

    public static DecoderConfig Make(string type, int heads, int kvHeads, bool tied, bool attentionBias = false, int? headDim = null,
        int layers = 2, double theta = 10000, double eps = 1e-6, int hidden = 32, int vocab = 37, int intermediate = 40) => new DecoderConfig
    {
        ModelType = type,
        VocabSize = vocab,
        HiddenSize = hidden,
        IntermediateSize = intermediate,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        HeadDim = headDim ?? hidden / heads,
        RmsNormEps = eps,
        RopeTheta = theta,
        TieWordEmbeddings = tied,
        AttentionBias = attentionBias,
        PadTokenId = 0,
    }.Validate();

    /// <summary>
    /// Overwrites every parameter with values large enough that each one visibly changes the logits (HF's N(0, 0.02²)
    /// would make attention nearly uniform and hide mistakes): matrices N(0, 0.3²), biases N(0, 0.2²), norm weights
    /// 1 + N(0, 0.2²). Deterministic in <paramref name="seed"/>.
    /// </summary>
    public static void Randomize(nn.Module module, ulong seed)
    {
        TensorUtil.ManualSeed(seed);
        using var noGrad = no_grad();
        foreach (var (name, p) in module.named_parameters())
        {
            if (name.EndsWith("bias", StringComparison.Ordinal)) p.normal_(0, 0.2);
            else if (p.dim() >= 2) p.normal_(0, 0.3);
            else p.normal_(1, 0.2);
        }
    }

    /// <summary>Random token ids in [1, V) (0 is kept for the pad token).</summary>
    public static long[] Tokens(Random random, int count, int vocab) =>
        Enumerable.Range(0, count).Select(_ => (long)random.Next(1, vocab)).ToArray();
}
