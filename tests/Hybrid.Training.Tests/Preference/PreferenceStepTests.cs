// One preference step: accumulation invariance, every parameter moves, chosen log-probs rise relative to rejected, references required.
using Hybrid.Algorithms.Preference;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Preference;
using Hybrid.Training.Synthetic;

namespace Hybrid.Training.Tests.Preference;

public class PreferenceStepTests
{
    private static List<TokenizedPreference> Pairs(int count, int seed, SyntheticTask task = SyntheticTask.Format) =>
        SyntheticPreferenceData.Generate(task, count, 0, seed).Train.Pairs.Select(new PreferenceTokenizer(TinyTask.Encode, TinyTask.Eos).Tokenize).ToList();

    [Fact]
    public void BatchOfFourEqualsFourAccumulatedBatchesOfOne()
    {
        var rows = Pairs(4, seed: 8, SyntheticTask.Concise);   // different lengths: the batch of four is padded
        IPreferenceLoss loss = PreferenceLosses.Create("sigmoid");

        (PreferenceStepMetrics Metrics, double[][] Gradients) Run(int microBatchSize)
        {
            using var scope = NewDisposeScope();
            TensorUtil.ManualSeed(3);
            using var model = new DecoderModel(TinyTask.Config());
            // The reference is the initial model; a different one (seed 4) makes the DPO margins non-zero from the start.
            TensorUtil.ManualSeed(4);
            using var reference = new DecoderModel(TinyTask.Config());
            float[][] refs = SequenceLogProbs.ComputeReference(reference, rows, TinyTask.Eos, batchSize: 4);
            using var optimizer = new AdamW(model.parameters(), weightDecay: 0);
            var metrics = PreferenceStep.Run(model, optimizer, loss, rows, refs, TinyTask.Eos, learningRate: 1e-3, maxGradNorm: 1e9, microBatchSize);
            // After one AdamW step m = (1 − β1)·g: ExpAvg / 0.1 is the step's gradient.
            return (metrics, optimizer.ExpAvg.Select(t => t.to(ScalarType.Float64).data<double>().ToArray().Select(m => m / 0.1).ToArray()).ToArray());
        }

        long baseline = TensorUtil.LiveTensors;
        var whole = Run(4);
        var accumulated = Run(1);
        Assert.Equal(baseline, TensorUtil.LiveTensors);

        Assert.Equal(4, accumulated.Metrics.Rows);
        // Within half a unit of the 6th/5th decimal. (xunit's precision overload rounds both sides first, so two values
        // 4e-7 apart failed when they straddled a rounding boundary, as float32 sums in another BLAS kernel's order did.)
        Assert.True(Math.Abs(whole.Metrics.Loss - accumulated.Metrics.Loss) < 5e-7, $"loss: {whole.Metrics.Loss} vs {accumulated.Metrics.Loss}");
        Assert.True(Math.Abs(whole.Metrics.GradNorm - accumulated.Metrics.GradNorm) < 5e-6, $"grad norm: {whole.Metrics.GradNorm} vs {accumulated.Metrics.GradNorm}");
        foreach (string name in new[] { "rewards/chosen", "rewards/rejected", "rewards/margins", "rewards/accuracies", "logps/chosen", "logps/rejected" })
            Assert.True(Math.Abs(whole.Metrics.Metrics[name] - accumulated.Metrics.Metrics[name]) < 1e-5, $"{name}: {whole.Metrics.Metrics[name]} vs {accumulated.Metrics.Metrics[name]}");
        double largest = 0;
        for (int p = 0; p < whole.Gradients.Length; p++)
            for (int i = 0; i < whole.Gradients[p].Length; i++)
            {
                double diff = Math.Abs(whole.Gradients[p][i] - accumulated.Gradients[p][i]);
                largest = Math.Max(largest, diff);
                Assert.True(diff <= 1e-5, $"parameter {p} element {i}: gradient {whole.Gradients[p][i]} vs {accumulated.Gradients[p][i]}");
            }
        Assert.True(whole.Gradients.Any(g => g.Any(x => Math.Abs(x) > 1e-3)), "the gradients are all ~0: the test would prove nothing");
    }

    [Fact]
    public void StepsChangeEveryParameterAndRaiseChosenOverRejected()
    {
        var rows = Pairs(16, seed: 2);
        TensorUtil.ManualSeed(9);
        using var model = new DecoderModel(TinyTask.Config());
        float[][] refs = SequenceLogProbs.ComputeReference(model, rows, TinyTask.Eos, batchSize: 16);
        float[][] before = model.parameters().Select(p => p.data<float>().ToArray()).ToArray();
        using var optimizer = new AdamW(model.parameters(), weightDecay: 0);
        IPreferenceLoss loss = PreferenceLosses.Create("sigmoid");

        double Gap(float[][] logps) => logps.Average(x => x[0] - x[1]);   // mean log π(y_w) − log π(y_l)
        double initialGap = Gap(refs);
        var first = PreferenceStep.Run(model, optimizer, loss, rows, refs, TinyTask.Eos, 3e-3, 1.0, microBatchSize: 8);
        float[][] after = model.parameters().Select(p => p.data<float>().ToArray()).ToArray();
        for (int p = 0; p < before.Length; p++) Assert.False(before[p].SequenceEqual(after[p]), $"parameter {p} did not change");
        Assert.Equal(Math.Log(2), first.Loss, 5);                         // the policy is the reference: β·h = 0, −log σ(0) = ln 2
        Assert.True(Math.Abs(first.Metrics["rewards/margins"]) < 1e-6);  // refs were computed in batches of 16, the step in 8: float noise only
        Assert.True(first.GradNorm > 0);

        PreferenceStepMetrics last = first;
        for (int i = 0; i < 5; i++) last = PreferenceStep.Run(model, optimizer, loss, rows, refs, TinyTask.Eos, 3e-3, 1.0, microBatchSize: 8);
        double finalGap = Gap(SequenceLogProbs.ComputeReference(model, rows, TinyTask.Eos, batchSize: 16));
        Assert.True(finalGap > initialGap + 0.1, $"log π(chosen) − log π(rejected): {initialGap:F3} → {finalGap:F3}");
        Assert.True(last.Loss < first.Loss, $"loss {first.Loss:F4} → {last.Loss:F4}");
        Assert.True(last.Metrics["rewards/margins"] > 0);
    }

    [Fact]
    public void AReferenceLossWithoutReferenceLogProbsFailsAndAReferenceFreeOneNeedsNone()
    {
        var rows = Pairs(2, seed: 1);
        TensorUtil.ManualSeed(1);
        using var model = new DecoderModel(TinyTask.Config());
        using var optimizer = new AdamW(model.parameters());
        var ex = Assert.Throws<ArgumentException>(() => PreferenceStep.Run(model, optimizer, PreferenceLosses.Create("sigmoid"), rows, null, TinyTask.Eos, 1e-3, 1, 2));
        Assert.Contains("the 'sigmoid' loss needs reference log-probs", ex.Message);
        var simpo = PreferenceStep.Run(model, optimizer, PreferenceLosses.Create("simpo"), rows, null, TinyTask.Eos, 1e-3, 1, 2);
        Assert.True(double.IsFinite(simpo.Loss));
        Assert.Contains("rewards/accuracies", simpo.Metrics.Keys);
    }
}
