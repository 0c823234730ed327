// One optimizer step of reward-model training (Bradley–Terry pairs or K-wise rankings) and held-out evaluation.
using Hybrid.Training.Loop;
using Hybrid.Algorithms;
using Hybrid.Algorithms.RewardModeling;
using Hybrid.Models.Heads;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Preference;
using Hybrid.Training.Stability;

namespace Hybrid.Training.RewardModel;

/// <summary>Metrics of one step or one evaluation, named as TRL's RewardTrainer logs them (<c>loss</c>, <c>accuracy</c>,
/// <c>margin</c>, <c>min_reward</c>, <c>mean_reward</c>, <c>max_reward</c>).</summary>
public sealed record RewardStepMetrics(IReadOnlyDictionary<string, double> Metrics, double GradNorm, double LearningRate, long Pairs, long NumTokens, bool Applied = true) : ITrainingStepResult
{
    public double Loss => Metrics["loss"];
    public double Accuracy => Metrics["accuracy"];
}

public static class RewardModelStep
{
    /// <summary>Ordered pairs a row contributes: 1 for a pair, the (s_i &gt; s_j) count of a ranking (rewards as float32, as the loss sees them).</summary>
    public static long PairsOf(TokenizedPreference row) =>
        row.Kind == PreferenceExampleKind.Paired ? 1 : KWiseRankingLoss.PairCount(row.Rewards!.Select(r => (double)(float)r).ToArray());

    /// <summary>
    /// Scores every sequence of <paramref name="batch"/> in one forward (the score read at each sequence's last real token)
    /// and applies <see cref="BradleyTerryLoss"/> (pairs, with their margins) or <see cref="KWiseRankingLoss"/> (rankings).
    /// </summary>
    public static LossOutput Loss(SequenceScoreModel model, RewardBatch batch, double centerRewardsCoefficient)
    {
        Tensor scores = model.Forward(batch.InputIds, batch.AttentionMask);                             // [N] r(x, y)
        if (batch.IsPaired)
        {
            Tensor pairs = scores.view(batch.Rows, 2);                                                  // [B, 2] (r_w, r_l)
            return BradleyTerryLoss.Compute(pairs.select(1, 0), pairs.select(1, 1), batch.Margin, centerRewardsCoefficient);
        }
        Tensor rewards = scores.index_select(0, batch.Slots.reshape(-1)).view(batch.Slots.shape);        // [B, K]
        return KWiseRankingLoss.Compute(rewards, batch.Ranking, batch.Valid, centerRewardsCoefficient);
    }

    /// <summary>
    /// Accumulates gradients over <paramref name="microBatches"/>, each micro-batch's mean loss weighted by its share of the
    /// step's ordered pairs (so the step is the mean over all its pairs however it is split), clips, and applies AdamW.
    /// </summary>
    public static RewardStepMetrics Run(SequenceScoreModel model, AdamW optimizer, IReadOnlyList<IReadOnlyList<TokenizedPreference>> microBatches,
        int padTokenId, double learningRate, double maxGradNorm, double centerRewardsCoefficient)
    {
        long totalPairs = microBatches.Sum(mb => mb.Sum(PairsOf));
        if (totalPairs == 0) throw new ArgumentException("the step's rows hold no ordered pair", nameof(microBatches));
        var metrics = new MetricsSum();
        long tokens = 0;
        foreach (var rows in microBatches)
        {
            if (rows.Count == 0) continue;
            using var scope = NewDisposeScope();
            RewardBatch batch = RewardBatch.Collate(rows, padTokenId);
            LossOutput output = Loss(model, batch, centerRewardsCoefficient);
            using var sc = new ScalarScope();
            (output.Loss * sc[(double)batch.Pairs / totalPairs]).backward();
            metrics.Add(output, batch);
            tokens += batch.RealTokens;
        }
        IReadOnlyDictionary<string, double> result = metrics.Result();
        var (gradNorm, applied) = GuardedOptimizerStep.Apply(optimizer, result["loss"], maxGradNorm, learningRate);
        return new RewardStepMetrics(result, gradNorm, learningRate, totalPairs, tokens, applied);
    }

    /// <summary>Loss and metrics over held-out rows without gradients, in batches of <paramref name="batchSize"/> rows.</summary>
    public static IReadOnlyDictionary<string, double> Evaluate(SequenceScoreModel model, IReadOnlyList<TokenizedPreference> rows, int padTokenId,
        int batchSize, double centerRewardsCoefficient)
    {
        var metrics = new MetricsSum();
        using var noGrad = no_grad();
        for (int start = 0; start < rows.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            RewardBatch batch = RewardBatch.Collate(rows.Skip(start).Take(batchSize).ToList(), padTokenId);
            metrics.Add(Loss(model, batch, centerRewardsCoefficient), batch);
        }
        return metrics.Result();
    }

    /// <summary>Combines micro-batch metrics: means weighted by pairs (loss, accuracy, margin) or by rewards (mean_reward), extremes over all.</summary>
    private sealed class MetricsSum
    {
        private double _loss, _accuracy, _margin, _rewardSum, _min = double.PositiveInfinity, _max = double.NegativeInfinity;
        private long _pairs, _rewards;

        public void Add(LossOutput output, RewardBatch batch)
        {
            long rewards = batch.IsPaired ? 2L * batch.Rows : (long)batch.Valid.to(ScalarType.Int64).sum().ToDouble();
            _loss += output.Loss.ToDouble() * batch.Pairs;
            _accuracy += output.Metrics["accuracy"] * batch.Pairs;
            _margin += output.Metrics["margin"] * batch.Pairs;
            _rewardSum += output.Metrics["mean_reward"] * rewards;
            _min = Math.Min(_min, output.Metrics["min_reward"]);
            _max = Math.Max(_max, output.Metrics["max_reward"]);
            _pairs += batch.Pairs;
            _rewards += rewards;
        }

        public Dictionary<string, double> Result() => new(StringComparer.Ordinal)
        {
            ["loss"] = _loss / _pairs, ["accuracy"] = _accuracy / _pairs, ["margin"] = _margin / _pairs,
            ["min_reward"] = _min, ["mean_reward"] = _rewardSum / _rewards, ["max_reward"] = _max,
        };
    }
}
