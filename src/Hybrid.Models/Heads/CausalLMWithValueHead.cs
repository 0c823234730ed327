// A causal LM with a value head beside its LM head: the PPO actor-critic on one shared body (TRL's AutoModelForCausalLMWithValueHead).
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Heads;

/// <summary>
/// The decoder (<c>model.*</c>, <c>lm_head.weight</c> unless tied — the causal LM's own names, so its HF checkpoint loads
/// as is) plus <c>v_head.weight</c> [1, Dm] and <c>v_head.bias</c> [1]. One forward gives both logits and values.
/// For a separate critic model use <see cref="SequenceScoreModel"/>'s body with a <see cref="ValueHead"/>, or this class
/// and ignore the logits.
/// </summary>
public sealed class CausalLMWithValueHead : HybridModule
{
    private readonly Linear? _lmHead;

    public CausalLMWithValueHead(DecoderConfig config) : base(nameof(CausalLMWithValueHead))
    {
        Model = RegisterModule("model", new DecoderBackbone(config));
        if (!config.TieWordEmbeddings) _lmHead = RegisterModule("lm_head", new Linear(config.HiddenSize, config.VocabSize, bias: false));
        VHead = RegisterModule("v_head", new ValueHead(config.HiddenSize));
        HfInitialization.Apply(this);
    }

    public DecoderConfig Config => Model.Config;
    public DecoderBackbone Model { get; }
    public ValueHead VHead { get; }

    /// <summary>The LM head matrix [V, Dm]: <c>lm_head.weight</c>, or <c>model.embed_tokens.weight</c> when tied.</summary>
    public Tensor LmHeadWeight => _lmHead?.Weight ?? Model.EmbedTokens.Weight;

    /// <summary>Logits [B, T, V] and values [B, T], float32 or the model dtype if wider; arguments as <see cref="DecoderModel.Forward"/>.</summary>
    public (Tensor Logits, Tensor Values) Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        Tensor hidden = Model.Forward(inputIds, attentionMask, positionIds, cache);  // [B, T, Dm]
        Tensor logits = Autocast.Linear(hidden, LmHeadWeight);                            // [B, T, V]
        logits = logits.AtLeastFloat32();
        return (logits, VHead.Forward(hidden));
    }

    /// <summary>Per-token log-probabilities [B, T] (as <see cref="DecoderModel.TokenLogProbs"/>) and values [B, T].</summary>
    public (Tensor LogProbs, Tensor Values) TokenLogProbsAndValues(Tensor inputIds, Tensor targets, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        Tensor hidden = Model.Forward(inputIds, attentionMask, positionIds);                     // [B, T, Dm]
        return (Decoder.TokenLogProbs.FromHidden(hidden, LmHeadWeight, targets), VHead.Forward(hidden));
    }

    /// <summary>An empty key/value cache for incremental decoding with this model.</summary>
    public KvCache NewCache() => Model.NewCache();
}
