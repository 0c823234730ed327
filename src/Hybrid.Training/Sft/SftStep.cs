// One optimizer step of SFT over several micro-batches: forward, summed loss, backward, clip, AdamW — with its metrics.
using Hybrid.Training.Loop;
using Hybrid.Models.Decoder;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Stability;

namespace Hybrid.Training.Sft;

/// <summary>Metrics of one optimizer step, named as TRL logs them.</summary>
/// <summary><see cref="Applied"/> is false when the step was refused (non-finite loss or gradients, see <see cref="GuardedOptimizerStep"/>).</summary>
public sealed record SftStepMetrics(double Loss, double MeanTokenAccuracy, double GradNorm, double LearningRate, long NumTokens, long TargetTokens, bool Applied = true) : ITrainingStepResult;

public static class SftStep
{
    /// <summary>
    /// Accumulates gradients over <paramref name="microBatches"/>, each micro-batch's loss sum divided by the target
    /// tokens of the <b>whole</b> step (so the result does not depend on how the step is split), then clips to
    /// <paramref name="maxGradNorm"/> and applies AdamW at <paramref name="learningRate"/>.
    /// </summary>
    public static SftStepMetrics Run(DecoderModel model, AdamW optimizer, IReadOnlyList<IReadOnlyList<TokenizedExample>> microBatches,
        int padTokenId, double learningRate, double maxGradNorm)
    {
        long targets = microBatches.Sum(mb => mb.Sum(e => (long)e.TrainableCount));
        double lossSum = 0;
        long correct = 0, tokens = 0;
        foreach (var examples in microBatches)
        {
            using var scope = NewDisposeScope();
            Batch batch = Batch.Collate(examples, padTokenId);
            Tensor logits = model.Forward(batch.InputIds, batch.AttentionMask);                  // [B, T, V]
            var (loss, hits) = CausalLmLoss.Compute(logits, batch.Labels);                      // [] summed over targets
            using var sc = new ScalarScope();
            loss.div(sc[targets]).backward();
            lossSum += loss.ToDouble();
            correct += hits;
            tokens += batch.RealTokens;
        }
        var (gradNorm, applied) = GuardedOptimizerStep.Apply(optimizer, lossSum / targets, maxGradNorm, learningRate);
        return new SftStepMetrics(lossSum / targets, (double)correct / targets, gradNorm, learningRate, tokens, targets, applied);
    }

    /// <summary>Mean loss and token accuracy over <paramref name="examples"/> without gradients (eval_loss, eval_mean_token_accuracy).</summary>
    public static (double Loss, double MeanTokenAccuracy) Evaluate(DecoderModel model, IReadOnlyList<TokenizedExample> examples, int padTokenId, int batchSize)
    {
        double lossSum = 0;
        long correct = 0, targets = 0;
        using var noGrad = no_grad();
        for (int i = 0; i < examples.Count; i += batchSize)
        {
            using var scope = NewDisposeScope();
            Batch batch = Batch.Collate(examples.Skip(i).Take(batchSize).ToList(), padTokenId);
            var (loss, hits) = CausalLmLoss.Compute(model.Forward(batch.InputIds, batch.AttentionMask), batch.Labels);
            lossSum += loss.ToDouble();
            correct += hits;
            targets += batch.TargetTokens;
        }
        return (lossSum / targets, (double)correct / targets);
    }
}
