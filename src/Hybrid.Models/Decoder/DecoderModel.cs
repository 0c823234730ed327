// A Llama/Qwen2 causal language model: the decoder backbone plus the LM head (HF `Qwen2ForCausalLM` / `LlamaForCausalLM`).
using Hybrid.Models.Config;
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Decoder;

/// <summary>
/// Token ids → next-token logits. Parameters are named and ordered exactly as <see cref="DecoderConfig.ParameterShapes"/>
/// (<c>model.embed_tokens.weight</c>, <c>model.layers.{i}.…</c>, <c>model.norm.weight</c>, <c>lm_head.weight</c>), so a
/// Hugging Face state dict loads by name. With <c>tie_word_embeddings</c> there is no <c>lm_head.weight</c>: the head
/// multiplies by <c>model.embed_tokens.weight</c>.
/// <para>
/// A new model is initialised as Hugging Face does from libtorch's global generator: Linear and Embedding weights
/// ~ N(0, 0.02²), biases 0, norm weights 1. Logits are float32 (float64 for a float64 model, see Module.To).
/// </para>
/// </summary>
public sealed class DecoderModel : HybridModule
{
    private readonly Linear? _lmHead;

    public DecoderModel(DecoderConfig config) : base(nameof(DecoderModel))
    {
        Model = RegisterModule("model", new DecoderBackbone(config));
        if (!config.TieWordEmbeddings) _lmHead = RegisterModule("lm_head", new Linear(config.HiddenSize, config.VocabSize, bias: false));
        HfInitialization.Apply(this);
    }

    public DecoderConfig Config => Model.Config;

    /// <summary>The body (<c>model.*</c>): embedding, layers, final norm.</summary>
    public DecoderBackbone Model { get; }

    /// <summary>The LM head matrix [V, Dm]: <c>lm_head.weight</c>, or <c>model.embed_tokens.weight</c> when tied.</summary>
    public Tensor LmHeadWeight => _lmHead?.Weight ?? Model.EmbedTokens.Weight;

    /// <summary>
    /// Next-token logits [B, T, V], float32 or the model dtype if wider.
    /// <paramref name="inputIds"/> [B, T] int64. <paramref name="attentionMask"/> [B, T] int64 or bool, 1 = real token,
    /// 0 = pad, left or right padding; null = all real. Pads never influence real tokens; their own logits are finite
    /// but meaningless. <paramref name="positionIds"/> [B, T] int64, or null = <c>cumsum(mask) − 1</c> clamped at 0
    /// (continuing after the cached tokens with a cache). <paramref name="cache"/>: null for a plain forward, else this
    /// call's tokens are appended to it (incremental decoding; pass each step's mask for the new tokens only).
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        Tensor hidden = Model.Forward(inputIds, attentionMask, positionIds, cache);  // [B, T, Dm]
        Tensor logits = Autocast.Linear(hidden, LmHeadWeight);                            // [B, T, V]
        return logits.AtLeastFloat32();
    }

    /// <summary>Hidden states after the final norm [B, T, Dm] (the input of value and score heads); arguments as <see cref="Forward"/>.</summary>
    public Tensor ForwardHidden(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null) =>
        Model.Forward(inputIds, attentionMask, positionIds, cache);

    /// <summary>
    /// The one per-token log-probability of the trainer: <c>log softmax(logits[b, t] / temperature)[targets[b, t − first]]</c>
    /// for output positions t ≥ <paramref name="firstPosition"/> → [B, T − first] float32 (or the model dtype if wider),
    /// differentiable. <paramref name="targets"/> [B, T − first] int64 in [0, V) — usually the input ids shifted left by
    /// one; positions that should not count (pads, prompt) are dropped by the caller's mask, so give them any valid id
    /// (e.g. the pad id). Preference and SFT batches score from column 0 at temperature 1 (the defaults); RL scores the
    /// response window of a prompt + response batch at the sampler's temperature. The head has no bias, so dividing the
    /// hidden states by the temperature divides the logits by it.
    /// <para>
    /// Never materialised: the [B, T, V] log-softmax and softmax tensors. Materialised: the float32 logits one sequence
    /// chunk at a time (≤ 2²⁴ elements per chunk), freed chunk by chunk under no-grad; with gradients on, autograd keeps
    /// each chunk's logits for the backward, i.e. one [B, T, V] float32 logits tensor in total. See <see cref="TokenLogProbs"/>.
    /// </para>
    /// </summary>
    public Tensor TokenLogProbs(Tensor inputIds, Tensor targets, Tensor? attentionMask = null, long firstPosition = 0, double temperature = 1.0) =>
        Decoder.TokenLogProbs.FromHidden(ScaledHidden(inputIds, attentionMask, firstPosition, temperature), LmHeadWeight, targets);  // [B, T − first]

    /// <summary>
    /// <see cref="TokenLogProbs"/> and the entropy of each of those positions'
    /// temperature-scaled distributions, from the same logits: ([B, T − first], [B, T − first]).
    /// </summary>
    public (Tensor LogProbs, Tensor Entropy) TokenLogProbsAndEntropy(Tensor inputIds, Tensor targets, Tensor? attentionMask, long firstPosition, double temperature) =>
        Decoder.TokenLogProbs.WithEntropy(ScaledHidden(inputIds, attentionMask, firstPosition, temperature), LmHeadWeight, targets);

    /// <summary>Hidden states of positions ≥ <paramref name="firstPosition"/>, divided by the temperature (the head has no bias). [B, T − first, Dm]</summary>
    private Tensor ScaledHidden(Tensor inputIds, Tensor? attentionMask, long firstPosition, double temperature)
    {
        if (!(temperature > 0)) throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be > 0");
        Tensor hidden = Model.Forward(inputIds, attentionMask).slice(1, firstPosition, long.MaxValue, 1); // [B, T − first, Dm]
        using var sc = new ScalarScope();
        return temperature != 1 ? hidden / sc[temperature] : hidden;                    // [B, T − first, Dm]
    }

    /// <summary>An empty key/value cache for incremental decoding with this model (dispose it when done).</summary>
    public KvCache NewCache() => Model.NewCache();
}
