// The transformer body of a Llama/Qwen2 decoder: token embedding, the layer stack, final norm (HF `Qwen2Model`, `model.*`).
using Hybrid.Models.Config;
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Decoder;

/// <summary>
/// Token ids → hidden states after the final RMSNorm. Parameters are named as Hugging Face's <c>Qwen2Model</c> /
/// <c>LlamaModel</c> (<c>embed_tokens.weight</c>, <c>layers.{i}.…</c>, <c>norm.weight</c>), so a head model that
/// registers it as <c>model</c> reproduces the checkpoint names. Random initialisation is PyTorch's per layer; the head
/// models re-initialise as Hugging Face does (<see cref="HfInitialization"/>).
/// </summary>
public sealed class DecoderBackbone : HybridModule
{
    private readonly DecoderLayer[] _layers;

    public DecoderBackbone(DecoderConfig config) : base(nameof(DecoderBackbone))
    {
        Config = config.Validate();
        EmbedTokens = RegisterModule("embed_tokens", new Embedding(config.VocabSize, config.HiddenSize));
        _layers = new DecoderLayer[config.NumHiddenLayers];
        for (int i = 0; i < _layers.Length; i++) _layers[i] = new DecoderLayer(config, i);
        RegisterModule("layers", new TorchSharp.Modules.ModuleList<DecoderLayer>(_layers));  // parameters "layers.{i}.…"
        Norm = RegisterModule("norm", new RMSNorm(config.HiddenSize, config.RmsNormEps));
    }

    public DecoderConfig Config { get; }
    public Embedding EmbedTokens { get; }
    public IReadOnlyList<DecoderLayer> Layers => _layers;
    public RMSNorm Norm { get; }

    /// <summary>An empty key/value cache for this model's layers.</summary>
    public KvCache NewCache() => new(_layers.Length);

    /// <summary>
    /// Hidden states after the final norm, [B, T, Dm]. Arguments as <see cref="DecoderModel.Forward"/>:
    /// <paramref name="inputIds"/> [B, T] int64; <paramref name="attentionMask"/> [B, T] int64 or bool (1 = real, 0 = pad,
    /// either side) or null (all real); <paramref name="positionIds"/> [B, T] int64 or null (derived from the mask, after
    /// the cached tokens); <paramref name="cache"/> appended to when given.
    /// </summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        CheckInputs(inputIds, attentionMask, positionIds);
        long b = inputIds.size(0), t = inputIds.size(1);
        long past = cache?.Length ?? 0;

        // The mask over every key (cached + new): [B, S]; null means "all real, no cache", i.e. purely causal.
        Tensor? fullMask = cache is not null
            ? cache.AppendMask(attentionMask ?? torch.ones([b, t], ScalarType.Int64))
            : attentionMask;
        Tensor positions = positionIds ?? AttentionMask.Positions(fullMask, b, t, past);             // [B, T]
        Tensor? allowed = AttentionMask.Allowed(fullMask, t, past + t, Config.NumAttentionHeads / Config.NumKeyValueHeads);  // [B|1, 1, G·T, S]

        Tensor x = EmbedTokens.Forward(inputIds);                                                     // [B, T, Dm]
        var (cos, sin) = RotaryEmbedding.CosSin(positions, Config.HeadDim, Config.RopeTheta, x.dtype);  // [B, T, 1, D]
        foreach (DecoderLayer layer in _layers)
        {
            // Each layer's temporaries (norms, projections, rotary halves, the MLP's [B, T, Di] tensors) are freed as the
            // layer ends rather than when the caller's scope does: without this a no-grad pass over a batch holds every
            // layer's temporaries at once (gigabytes for an RL batch). Under autograd, the graph keeps what backward needs.
            Tensor next;
            using (NewDisposeScope()) next = layer.Forward(x, cos, sin, allowed, cache).MoveToOuterDisposeScope();  // [B, T, Dm]
            x.Dispose();
            x = next;
        }
        return Norm.Forward(x);                                                                       // [B, T, Dm]
    }

    private static void CheckInputs(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds)
    {
        if (inputIds.dim() != 2 || inputIds.dtype != ScalarType.Int64)
            throw new ArgumentException($"input_ids must be [B, T] int64, got {inputIds}", nameof(inputIds));
        long[] shape = inputIds.shape;
        if (attentionMask is not null && (!attentionMask.shape.SequenceEqual(shape) || attentionMask.dtype is not (ScalarType.Int64 or ScalarType.Bool or ScalarType.Int32)))
            throw new ArgumentException($"attention_mask must be [{shape[0]}, {shape[1]}] int64 or bool like input_ids, got {attentionMask}", nameof(attentionMask));
        if (positionIds is not null && (!positionIds.shape.SequenceEqual(shape) || positionIds.dtype != ScalarType.Int64))
            throw new ArgumentException($"position_ids must be [{shape[0]}, {shape[1]}] int64 like input_ids, got {positionIds}", nameof(positionIds));
    }
}
