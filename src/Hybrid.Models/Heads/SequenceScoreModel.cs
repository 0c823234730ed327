// A reward model: the decoder body plus a score head (HF `Qwen2ForSequenceClassification` with num_labels = 1).
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Heads;

/// <summary>
/// Parameters <c>model.*</c> (as the causal LM's, without <c>lm_head</c>) and <c>score.weight</c> [1, Dm], the names of
/// Hugging Face's <c>…ForSequenceClassification</c>, so a reward-model checkpoint loads by name — and so does a causal LM
/// checkpoint with <c>strict: false</c> to start reward training (its <c>lm_head.weight</c> is simply unused).
/// </summary>
public sealed class SequenceScoreModel : HybridModule
{
    public SequenceScoreModel(DecoderConfig config) : base(nameof(SequenceScoreModel))
    {
        Model = RegisterModule("model", new DecoderBackbone(config));
        Score = RegisterModule("score", new ScoreHead(config.HiddenSize));
        HfInitialization.Apply(this);
    }

    public DecoderConfig Config => Model.Config;
    public DecoderBackbone Model { get; }
    public ScoreHead Score { get; }

    /// <summary>
    /// input ids [B, T] int64 and attention mask [B, T] (1 = real; left or right padding; null = all real) → scores [B]
    /// float32, read at each row's last real token.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        Tensor hidden = Model.Forward(inputIds, attentionMask, positionIds);  // [B, T, Dm]
        return Score.Forward(hidden, attentionMask);                          // [B]
    }
}
