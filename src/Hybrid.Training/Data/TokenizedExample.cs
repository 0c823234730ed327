// One example as token ids with a per-token flag saying whether the loss trains on predicting that token.

namespace Hybrid.Training.Data;

/// <summary>
/// <see cref="InputIds"/> [T] and <see cref="Trainable"/> [T]: Trainable[t] means token t is a target (predicted from
/// tokens &lt; t). Prompt tokens, non-assistant turns and padding are not trainable.
/// </summary>
public sealed record TokenizedExample(int[] InputIds, bool[] Trainable, string Source)
{
    public int Length => InputIds.Length;

    /// <summary>Tokens that count in the loss (a token at position 0 never does: nothing predicts it).</summary>
    public int TrainableCount => Trainable.Skip(1).Count(t => t);
}
