// One reward-model step: accumulation invariance with margins and centering, the score is read at the last real token.
using Hybrid.Models.Heads;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Preference;
using Hybrid.Training.RewardModel;
using Hybrid.Training.Synthetic;

namespace Hybrid.Training.Tests.RewardModel;

public class RewardModelStepTests
{
    private static List<TokenizedPreference> Rows(bool ranked)
    {
        var tokenizer = new RewardTokenizer(TinyTask.Encode);
        var split = SyntheticPreferenceData.Generate(SyntheticTask.Concise, 4, 0, seed: 6, k: 3);
        return ranked
            ? split.Train.Rankings.Select(tokenizer.Tokenize).ToList()
            : split.Train.Pairs.Select((p, i) => tokenizer.Tokenize(p with { Margin = 0.25 * i })).ToList();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BatchOfFourEqualsFourAccumulatedBatchesOfOne(bool ranked)
    {
        var rows = Rows(ranked);
        (RewardStepMetrics Metrics, double[][] Gradients) Run(int microBatchSize)
        {
            using var scope = NewDisposeScope();
            TensorUtil.ManualSeed(2);
            using var model = new SequenceScoreModel(TinyTask.Config());
            using (no_grad()) model.Score.Weight.mul_(20);   // scores O(1), so margins and centering matter
            using var optimizer = new AdamW(model.parameters(), weightDecay: 0);
            var microBatches = rows.Chunk(microBatchSize).Select(c => (IReadOnlyList<TokenizedPreference>)c).ToList();
            var metrics = RewardModelStep.Run(model, optimizer, microBatches, TinyTask.Eos, 1e-3, maxGradNorm: 1e9, centerRewardsCoefficient: 0.05);
            return (metrics, optimizer.ExpAvg.Select(t => t.to(ScalarType.Float64).data<double>().ToArray().Select(m => m / 0.1).ToArray()).ToArray());
        }
        long baseline = TensorUtil.LiveTensors;
        var whole = Run(4);
        var accumulated = Run(1);
        Assert.Equal(baseline, TensorUtil.LiveTensors);

        Assert.Equal(ranked ? 4 * 3 : 4, whole.Metrics.Pairs);   // K = 3 distinct rewards: 3 ordered pairs per ranking
        foreach (var (name, value) in whole.Metrics.Metrics)
            Assert.True(Math.Abs(value - accumulated.Metrics.Metrics[name]) < 1e-5, $"{name}: {value} vs {accumulated.Metrics.Metrics[name]}");
        for (int p = 0; p < whole.Gradients.Length; p++)
            for (int i = 0; i < whole.Gradients[p].Length; i++)
                Assert.True(Math.Abs(whole.Gradients[p][i] - accumulated.Gradients[p][i]) <= 1e-5,
                    $"parameter {p} element {i}: gradient {whole.Gradients[p][i]} vs {accumulated.Gradients[p][i]}");
        Assert.True(whole.Gradients.Any(g => g.Any(x => Math.Abs(x) > 1e-3)), "the gradients are all ~0: the test would prove nothing");
    }

    [Fact]
    public void TheLossReadsEachSequencesScoreAtItsLastRealToken()
    {
        var rows = Rows(ranked: false).Take(3).ToList();
        TensorUtil.ManualSeed(4);
        using var model = new SequenceScoreModel(TinyTask.Config());
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        RewardBatch batch = RewardBatch.Collate(rows, TinyTask.Eos);
        var output = RewardModelStep.Loss(model, batch, centerRewardsCoefficient: 0);
        // Reference: each sequence scored alone, unpadded; then mean over pairs of −log σ(r_w − r_l − m) in doubles.
        double Score(int[] ids) => model.Forward(torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length])).ToDouble();
        double expected = 0, correct = 0;
        for (int b = 0; b < rows.Count; b++)
        {
            double rw = Score(rows[b].Responses[0]), rl = Score(rows[b].Responses[1]);
            expected += Math.Log(1 + Math.Exp(-(rw - rl - rows[b].Margin!.Value))) / rows.Count;
            correct += rw > rl ? 1.0 / rows.Count : 0;
        }
        Assert.Equal(expected, output.Loss.ToDouble(), 5);
        Assert.Equal(correct, output.Metrics["accuracy"], 9);
    }
}
