// GRPO-λ: a length-penalised reward only for the top-λ fraction of prompt groups by accuracy, plain accuracy for the rest.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// GRPO-λ (Dai, Liu &amp; Si 2025, "Stable Reinforcement Learning for Efficient Reasoning", arXiv 2505.18086).
/// Each batch, the P groups are ranked by mean accuracy and the top k = ⌈λ·P⌉ (ties broken by the lower group index)
/// get a length-penalised reward; the others keep plain 0/1 accuracy, so the model is only pushed to be concise where
/// it already answers well (a uniform length penalty collapses accuracy early).
/// Length-penalty form (our choice; the Kimi k1.5 length reward the paper's LP baseline uses, Team et al. 2025,
/// arXiv 2501.12599), within one group: λ_i = 0.5 − (len_i − min_len)/(max_len − min_len) (0 when all lengths are
/// equal); shaped r_i = acc_i + λ_i if correct (acc_i ≥ 0.5), else acc_i + min(0, λ_i).
/// λ (the fraction) defaults to 0.2 — our default, tune it; the paper studies several.
/// </summary>
public sealed class GrpoLambdaShaping
{
    public GrpoLambdaShaping(double fraction = 0.2)
    {
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "GRPO-λ: the top fraction λ must lie in (0, 1], e.g. 0.2");
        Fraction = fraction;
    }

    public double Fraction { get; }

    /// <summary>The shaped scores and, per group, whether it got the length penalty.</summary>
    public (double[] Scores, bool[] Penalised) Shape(ReadOnlySpan<double> accuracy, ReadOnlySpan<int> lengths, int groupSize)
    {
        if (accuracy.Length != lengths.Length) throw new ArgumentException($"{accuracy.Length} accuracies but {lengths.Length} lengths", nameof(lengths));
        if (groupSize < 1 || accuracy.Length % groupSize != 0)
            throw new ArgumentException($"{accuracy.Length} responses are not a whole number of groups of {groupSize}", nameof(groupSize));
        int prompts = accuracy.Length / groupSize;
        var means = new double[prompts];
        for (int p = 0; p < prompts; p++)
        {
            for (int g = 0; g < groupSize; g++) means[p] += accuracy[p * groupSize + g];
            means[p] /= groupSize;
        }
        int[] order = Enumerable.Range(0, prompts).OrderByDescending(p => means[p]).ThenBy(p => p).ToArray(); // stable ranking
        int top = (int)Math.Ceiling(Fraction * prompts);
        var penalised = new bool[prompts];
        for (int k = 0; k < top; k++) penalised[order[k]] = true;

        double[] shaped = accuracy.ToArray();
        for (int p = 0; p < prompts; p++)
        {
            if (!penalised[p]) continue;
            int min = int.MaxValue, max = int.MinValue;
            for (int g = 0; g < groupSize; g++) { min = Math.Min(min, lengths[p * groupSize + g]); max = Math.Max(max, lengths[p * groupSize + g]); }
            for (int g = 0; g < groupSize; g++)
            {
                int i = p * groupSize + g;
                double lengthReward = max == min ? 0 : 0.5 - (double)(lengths[i] - min) / (max - min);
                shaped[i] += accuracy[i] >= 0.5 ? lengthReward : Math.Min(0, lengthReward);
            }
        }
        return (shaped, penalised);
    }
}
