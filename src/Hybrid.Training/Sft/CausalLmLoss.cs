// Next-token cross-entropy summed over trainable targets, with the token-accuracy count, for SFT and evaluation.
using Hybrid.Training.Data;
using Hybrid.Tensors.Layers;

namespace Hybrid.Training.Sft;

/// <summary>
/// L = Σ_{b,t: label[b,t+1] ≠ −100} −log softmax(logits[b,t])[label[b,t+1]]: a <b>sum</b>, so that the trainer can divide
/// by the number of target tokens of the whole optimizer step. Dividing each micro-batch by its own count instead would
/// weight tokens unequally under gradient accumulation; with the sum, batch 8 × 1 step equals batch 1 × 8 accumulated.
/// </summary>
public static class CausalLmLoss
{
    /// <summary>logits [B, T, V], labels [B, T] → (loss sum [] , correct argmax predictions among the targets).</summary>
    public static (Tensor LossSum, long Correct) Compute(Tensor logits, Tensor labels)
    {
        long v = logits.size(-1);
        Tensor predicted = logits.slice(1, 0, -1, 1).reshape(-1, v);                 // [B·(T−1), V] predicts token t+1
        Tensor targets = labels.slice(1, 1, long.MaxValue, 1).reshape(-1);                          // [B·(T−1)]
        Tensor lossSum = nn.functional.cross_entropy(predicted, targets, ignore_index: Batch.IgnoreIndex, reduction: nn.Reduction.Sum);  // []
        long correct;
        using (no_grad())
        using (var sc = new ScalarScope())
        {
            Tensor hit = predicted.argmax(-1).eq(targets).logical_and(targets.ne(sc[(long)Batch.IgnoreIndex]));  // [B·(T−1)] bool
            correct = (long)hit.to(ScalarType.Int64).sum().ToDouble();
        }
        return (lossSum, correct);
    }
}
