// A padded micro-batch ready for the model: input ids, attention mask and shifted-target labels.

namespace Hybrid.Training.Data;

/// <summary>
/// Right-padded tensors of one micro-batch (owned by the scope that was current when it was made):
/// <see cref="InputIds"/> [B, T] int64, <see cref="AttentionMask"/> [B, T] int64 (1 real, 0 pad),
/// <see cref="Labels"/> [B, T] int64 = the input id where that token is trainable, else <see cref="IgnoreIndex"/>.
/// The loss compares logits at t with labels at t + 1.
/// </summary>
public sealed record Batch(Tensor InputIds, Tensor AttentionMask, Tensor Labels, int Rows, int RealTokens, int TargetTokens)
{
    /// <summary>Label value that the cross-entropy skips (PyTorch's and Hugging Face's -100).</summary>
    public const long IgnoreIndex = -100;

    /// <summary>Pads <paramref name="examples"/> on the right to the longest one with <paramref name="padTokenId"/>.</summary>
    public static Batch Collate(IReadOnlyList<TokenizedExample> examples, int padTokenId)
    {
        int rows = examples.Count, width = examples.Max(e => e.Length);
        var ids = new long[rows * width];
        var mask = new long[rows * width];
        var labels = new long[rows * width];
        int real = 0, targets = 0;
        for (int r = 0; r < rows; r++)
        {
            TokenizedExample e = examples[r];
            for (int t = 0; t < width; t++)
            {
                int i = r * width + t;
                bool inside = t < e.Length;
                ids[i] = inside ? e.InputIds[t] : padTokenId;
                mask[i] = inside ? 1 : 0;
                labels[i] = inside && e.Trainable[t] ? e.InputIds[t] : IgnoreIndex;
            }
            real += e.Length;
            targets += e.TrainableCount;
        }
        return new Batch(torch.tensor(ids, [rows, width]), torch.tensor(mask, [rows, width]), torch.tensor(labels, [rows, width]),
            rows, real, targets);
    }
}
