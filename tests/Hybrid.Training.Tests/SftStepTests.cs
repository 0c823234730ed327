// One SFT step: loss masking against a hand-summed reference, gradient-accumulation invariance, and learning a tiny task.
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Sft;

namespace Hybrid.Training.Tests;

public class SftStepTests
{
    [Fact]
    public void PromptTokensAreMaskedAndTheLossEqualsAHandSumOverCompletionTokens()
    {
        TensorUtil.ManualSeed(1);
        using var model = new DecoderModel(TinyTask.Config());
        var example = TinyTask.Tokenizer().Tokenize(new SftExample(SftExampleKind.PromptCompletion, "row") { Prompt = "12+34=", Completion = "46" });
        // prompt 6 tokens ✗, completion "46" ✓✓, EOS ✓
        Assert.Equal([false, false, false, false, false, false, true, true, true], example.Trainable);
        Assert.Equal(3, example.TrainableCount);

        using var scope = NewDisposeScope();
        Batch batch = Batch.Collate([example], TinyTask.Eos);
        Tensor logits = model.Forward(batch.InputIds, batch.AttentionMask);                   // [1, 9, V]
        var (loss, _) = CausalLmLoss.Compute(logits, batch.Labels);

        // Reference: −Σ log softmax(logits[t])[id[t+1]] over t+1 ∈ completion, computed in doubles from the raw logits.
        float[] z = logits.data<float>().ToArray();
        int v = TinyTask.Config().VocabSize;
        double expected = 0;
        for (int t = 5; t < 8; t++)
        {
            double max = double.NegativeInfinity, sum = 0;
            for (int k = 0; k < v; k++) max = Math.Max(max, z[t * v + k]);
            for (int k = 0; k < v; k++) sum += Math.Exp(z[t * v + k] - max);
            expected -= z[t * v + example.InputIds[t + 1]] - max - Math.Log(sum);
        }
        Assert.Equal(expected, loss.ToDouble(), 4);

        // Changing the prompt's last token changes the inputs, not the set of targets: the masked positions carry no loss.
        var labels = batch.Labels.data<long>().ToArray();
        Assert.All(labels.Take(6), l => Assert.Equal(Batch.IgnoreIndex, l));
    }

    [Fact]
    public void BatchOfEightEqualsEightAccumulatedBatchesOfOne()
    {
        var examples = TinyTask.Addition(8, seed: 5).Select(TinyTask.Tokenizer().Tokenize).ToList();
        // Different lengths make the single batch padded, exercising the padding path too.
        examples[2] = TinyTask.Tokenizer().Tokenize(new SftExample(SftExampleKind.Text, "long") { Text = "12+34=46; 5+5=0" });

        (SftStepMetrics Metrics, float[][] ExpAvg, float[][] Weights) Run(IReadOnlyList<IReadOnlyList<TokenizedExample>> microBatches)
        {
            TensorUtil.ManualSeed(3);
            using var model = new DecoderModel(TinyTask.Config());
            using var optimizer = new AdamW(model.parameters(), weightDecay: 0);
            var metrics = SftStep.Run(model, optimizer, microBatches, TinyTask.Eos, learningRate: 1e-3, maxGradNorm: 1e9);
            // After one AdamW step m = (1 − β1)·g, so ExpAvg is the accumulated gradient up to a constant.
            return (metrics, optimizer.ExpAvg.Select(t => t.data<float>().ToArray()).ToArray(), model.parameters().Select(p => p.data<float>().ToArray()).ToArray());
        }

        var whole = Run([examples]);
        var accumulated = Run(examples.Select(e => (IReadOnlyList<TokenizedExample>)[e]).ToList());

        Assert.Equal(whole.Metrics.TargetTokens, accumulated.Metrics.TargetTokens);
        Assert.Equal(whole.Metrics.Loss, accumulated.Metrics.Loss, 5);
        Assert.Equal(whole.Metrics.MeanTokenAccuracy, accumulated.Metrics.MeanTokenAccuracy, 12);
        Assert.Equal(whole.Metrics.GradNorm, accumulated.Metrics.GradNorm, 4);
        for (int p = 0; p < whole.ExpAvg.Length; p++)
            for (int i = 0; i < whole.ExpAvg[p].Length; i++)
                Assert.True(Math.Abs(whole.ExpAvg[p][i] - accumulated.ExpAvg[p][i]) <= 1e-6 + 1e-4 * Math.Abs(whole.ExpAvg[p][i]),
                    $"parameter {p} element {i}: gradient {whole.ExpAvg[p][i]} vs {accumulated.ExpAvg[p][i]}");
    }

    [Fact]
    public void SftOnSingleDigitAdditionCutsHeldOutLossAndChangesEveryParameter()
    {
        TensorUtil.ManualSeed(11);
        var tokenizer = TinyTask.Tokenizer();
        var train = TinyTask.Addition(200, seed: 1).Select(tokenizer.Tokenize).ToList();
        var heldOut = TinyTask.Addition(40, seed: 2).Select(tokenizer.Tokenize).ToList();
        using var model = new DecoderModel(TinyTask.Config());
        float[][] before = model.parameters().Select(p => p.data<float>().ToArray()).ToArray();
        using var optimizer = new AdamW(model.parameters(), weightDecay: 0);
        var schedule = new WarmupCosineSchedule(3e-3, warmupSteps: 10, totalSteps: 800);

        double initial = SftStep.Evaluate(model, heldOut, TinyTask.Eos, batchSize: 20).Loss;
        var order = new DataOrder(train.Count, seed: 0, shuffle: true);
        for (int step = 0; step < 800; step++)
        {
            if (order.EpochDone) order.NextEpoch();
            var rows = order.NextBatch(20).Select(i => train[i]).ToList();
            SftStep.Run(model, optimizer, [rows], TinyTask.Eos, schedule.LearningRateAt(step), maxGradNorm: 1.0);
        }
        var (final, accuracy) = SftStep.Evaluate(model, heldOut, TinyTask.Eos, batchSize: 20);

        // ln 48 ≈ 3.87 at random init; the answer digit is a function of the prompt and EOS always follows it. Measured
        // with this seed: 3.83 → 0.06 and 98.8% accuracy, so the bounds below leave a wide margin.
        Assert.True(final < initial / 10, $"held-out loss {initial:F3} → {final:F3}: expected at least a 10× cut");
        Assert.True(accuracy > 0.9, $"held-out token accuracy {accuracy:P0}");
        float[][] after = model.parameters().Select(p => p.data<float>().ToArray()).ToArray();
        for (int p = 0; p < before.Length; p++) Assert.False(before[p].SequenceEqual(after[p]), $"parameter {p} did not change");
    }
}
