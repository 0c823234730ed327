// One batch of rows decoding together on a rollout backend: next-token logits out, one chosen token per row in.

namespace Hybrid.Rollout.Decoding;

/// <summary>
/// The backend half of a rollout chunk; the engine chooses the tokens:
/// <code>
/// new batch(prompts [n], any lengths) ─► NextLogits() [n, V] ─► choose a token per row ─► Append(tokens [n]) ─► NextLogits() …
/// </code>
/// Rows that finished are fed the pad id; their logits are ignored. Not thread-safe: one batch per decoding thread.
/// </summary>
internal interface IDecoderBatch : IDisposable
{
    /// <summary>n, the rows of the batch.</summary>
    int Rows { get; }

    /// <summary>
    /// [n, V] row-major: row r's logits for its next token (after its prompt, then after each appended token). Valid
    /// until <see cref="Append"/>, which may overwrite it.
    /// </summary>
    Span<float> NextLogits();

    /// <summary>Feeds one token per row, [n]; the next <see cref="NextLogits"/> predicts the token after it.</summary>
    void Append(ReadOnlySpan<int> tokens);
}
