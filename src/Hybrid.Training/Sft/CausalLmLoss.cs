// Next-token cross-entropy summed over trainable targets, with the token-accuracy count, for SFT and evaluation.
using Hybrid.Torch;
using Hybrid.Training.Data;
using Hybrid.Torch.NN;
using F = Hybrid.Torch.NN.Functional;

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
        long v = logits.Size(-1);
        Tensor predicted = logits.Slice(1, 0, -1).Reshape(-1, v);                 // [B·(T−1), V] predicts token t+1
        Tensor targets = labels.Slice(1, 1).Reshape(-1);                          // [B·(T−1)]
        Tensor lossSum = F.CrossEntropy(predicted, targets, Batch.IgnoreIndex, Reduction.Sum);  // []
        long correct;
        using (LibTorch.NoGrad())
        {
            Tensor hit = predicted.ArgMax(-1).Eq(targets).LogicalAnd(targets.Ne(Batch.IgnoreIndex));  // [B·(T−1)] bool
            correct = (long)hit.To(DType.Int64).Sum().Item();
        }
        return (lossSum, correct);
    }
}
