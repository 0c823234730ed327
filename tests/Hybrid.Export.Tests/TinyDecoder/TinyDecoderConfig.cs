// Hyperparameters of the tiny test decoder: sizes, layer count and the special-token ids GenAI needs.
namespace Hybrid.Export.Tests.TinyDecoder;

/// <summary>
/// Shape of the tiny decoder: token + learned position embeddings, <see cref="NumLayers"/> pre-residual blocks of causal
/// multi-head self-attention and a ReLU MLP (no normalisation), then a linear head with bias. Small on purpose: it exists
/// to check export, GenAI loading and KV-cache plumbing against a plain-loop reference, not to model language.
/// </summary>
public sealed record TinyDecoderConfig
{
    /// <summary>V: number of token ids (the tokenizer's vocabulary size).</summary>
    public required int VocabSize { get; init; }

    /// <summary>D: width of the residual stream. 32 keeps the whole model under 100 KB.</summary>
    public int HiddenSize { get; init; } = 32;

    /// <summary>H: attention heads (also the KV heads; no grouped-query sharing). Head size D/H = 8 by default.</summary>
    public int NumHeads { get; init; } = 4;

    /// <summary>Transformer blocks; 2 by default so the per-layer KV names (past_key_values.%d.*) are exercised.</summary>
    public int NumLayers { get; init; } = 2;

    /// <summary>M: hidden width of the MLP (2·D by default).</summary>
    public int MlpSize { get; init; } = 64;

    /// <summary>Longest sequence (prompt + generated): rows of the position-embedding table and GenAI's max_length cap.</summary>
    public int ContextLength { get; init; } = 64;

    /// <summary>Id GenAI reports as beginning-of-sequence (it does not insert it; the tokenizer decides).</summary>
    public required int BosTokenId { get; init; }

    /// <summary>Id that ends generation when produced (not appended to the output by GenAI).</summary>
    public required int EosTokenId { get; init; }

    /// <summary>Id GenAI uses to pad ragged batches; padded positions are masked out through attention_mask.</summary>
    public required int PadTokenId { get; init; }

    /// <summary>d: width of one attention head, <see cref="HiddenSize"/> / <see cref="NumHeads"/>.</summary>
    public int HeadSize => HiddenSize / NumHeads;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent field, its value and the fix.</summary>
    public void Validate()
    {
        Require(VocabSize > 0, nameof(VocabSize), VocabSize, "must be positive");
        Require(HiddenSize > 0, nameof(HiddenSize), HiddenSize, "must be positive");
        Require(NumHeads > 0 && HiddenSize % NumHeads == 0, nameof(NumHeads), NumHeads, $"must divide HiddenSize ({HiddenSize})");
        Require(NumLayers > 0, nameof(NumLayers), NumLayers, "must be positive");
        Require(MlpSize > 0, nameof(MlpSize), MlpSize, "must be positive");
        Require(ContextLength > 1, nameof(ContextLength), ContextLength, "must be at least 2");
        Require(BosTokenId >= 0 && BosTokenId < VocabSize, nameof(BosTokenId), BosTokenId, $"must be an id below VocabSize ({VocabSize})");
        Require(EosTokenId >= 0 && EosTokenId < VocabSize, nameof(EosTokenId), EosTokenId, $"must be an id below VocabSize ({VocabSize})");
        Require(PadTokenId >= 0 && PadTokenId < VocabSize, nameof(PadTokenId), PadTokenId, $"must be an id below VocabSize ({VocabSize})");
    }

    private static void Require(bool ok, string field, int value, string rule)
    {
        if (!ok)
            throw new ArgumentException($"TinyDecoderConfig.{field} = {value}: {rule}.", field);
    }
}
