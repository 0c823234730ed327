// InstructGPT's K-wise reward-model loss: every ranked pair among K responses to one prompt, in one batch.

namespace Hybrid.Algorithms.RewardModeling;

/// <summary>
/// K responses to one prompt ranked by a labeller give C(K, 2) comparisons; InstructGPT (Ouyang et al. 2022, arXiv 2203.02155,
/// K = 4…9) feeds all K together and averages every pair's Bradley–Terry loss, instead of treating the pairs as separate
/// examples, which reuses each response K − 1 times per epoch and over-fits (docs/algorithms.md):
/// <code>
/// L = (1 / |P|) Σ_{(b,i,j) ∈ P} −log σ(r_b,i − r_b,j)  +  c · (1 / |P|) Σ_{(b,i,j) ∈ P} (r_b,i + r_b,j)²
/// P = {(b, i, j) : s_b,i &gt; s_b,j, both valid}
/// </code>
/// s is the ranking (higher = better: a reward, or K − rank); ties give no pair. With the same K for every prompt and no
/// ties, the mean over P is exactly InstructGPT's 1 / C(K, 2) per prompt averaged over prompts. With K = 2 it is
/// <see cref="BradleyTerryLoss"/>. c is the reward-centering coefficient (Eisenstein et al. 2023; TRL recommends 0.01).
/// Metrics as <see cref="BradleyTerryLoss"/>, over the pairs in P and the valid rewards.
/// </summary>
public static class KWiseRankingLoss
{
    /// <summary>
    /// <paramref name="rewards"/> r [B, K] (float, with grad); <paramref name="ranking"/> s [B, K] (higher = preferred, no grad);
    /// <paramref name="valid"/> [B, K] bool, false for padding slots of prompts with fewer than K responses (null = all valid).
    /// Throws when no pair is comparable.
    /// </summary>
    public static LossOutput Compute(Tensor rewards, Tensor ranking, Tensor? valid = null, double centerRewardsCoefficient = 0)
    {
        if (rewards.dim() != 2 || !rewards.dtype.IsFloat())
            throw new ArgumentException($"rewards must be a [B, K] float tensor, got {rewards}", nameof(rewards));
        if (!ranking.shape.SequenceEqual(rewards.shape))
            throw new ArgumentException($"ranking must be [{rewards.size(0)}, {rewards.size(1)}] like the rewards, got {ranking}", nameof(ranking));
        if (valid is not null && (!valid.shape.SequenceEqual(rewards.shape) || valid.dtype != ScalarType.Bool))
            throw new ArgumentException($"valid must be [{rewards.size(0)}, {rewards.size(1)}] bool, got {valid}", nameof(valid));
        if (!(centerRewardsCoefficient >= 0) || double.IsInfinity(centerRewardsCoefficient))
            throw new ArgumentOutOfRangeException(nameof(centerRewardsCoefficient), centerRewardsCoefficient, "must be a finite number >= 0 (0.01 recommended, 0 = off)");

        using var sc = new ScalarScope();
        Tensor pairs = PairMask(ranking, valid).to(rewards.dtype);                          // [B, K, K] 1 where i ≻ j
        double count;
        using (no_grad()) count = pairs.sum().ToDouble();
        if (count == 0) throw new ArgumentException("no comparable pair: every ranking in the batch is a tie (or has fewer than two valid responses)", nameof(ranking));
        Tensor diff = rewards.unsqueeze(2) - rewards.unsqueeze(1);                          // [B, K, K] r_i − r_j
        Tensor loss = (diff.log_sigmoid() * pairs).sum().neg() / sc[count];                     // [] mean over P of −log σ
        if (centerRewardsCoefficient > 0)
        {
            Tensor sums = rewards.unsqueeze(2).add(rewards.unsqueeze(1), sc[1]);            // [B, K, K] r_i + r_j
            loss = loss.add((sums.pow(sc[2]) * pairs).sum() * sc[centerRewardsCoefficient / count], sc[1]);  // [] + c·mean over P
        }
        return new LossOutput(loss, Metrics(rewards, diff, pairs, valid, count));
    }

    /// <summary>Number of ordered pairs (s_i &gt; s_j, both valid) in <paramref name="ranking"/>: how a micro-batch's mean loss is weighted under accumulation.</summary>
    public static long PairCount(ReadOnlySpan<double> ranking)
    {
        long n = 0;
        for (int i = 0; i < ranking.Length; i++)
            for (int j = 0; j < ranking.Length; j++)
                if (ranking[i] > ranking[j]) n++;
        return n;
    }

    /// <summary>[B, K, K] bool: s_i &gt; s_j with both i and j valid.</summary>
    private static Tensor PairMask(Tensor ranking, Tensor? valid)
    {
        Tensor better = ranking.unsqueeze(2).gt(ranking.unsqueeze(1));                     // [B, K, K] s_i > s_j
        if (valid is null) return better;
        return better.logical_and(valid.unsqueeze(2)).logical_and(valid.unsqueeze(1));         // [B, K, K]
    }

    private static Dictionary<string, double> Metrics(Tensor rewards, Tensor diff, Tensor pairs, Tensor? valid, double count)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        Tensor d = diff.detach().to(ScalarType.Float64);                                         // [B, K, K]
        Tensor p = pairs.to(ScalarType.Float64);                                                 // [B, K, K]
        Tensor r = rewards.detach().to(ScalarType.Float64);                                      // [B, K]
        Tensor keep = valid ?? torch.ones(r.shape, ScalarType.Bool);                          // [B, K]
        Tensor drop = keep.logical_not();                                                    // [B, K]
        return new Dictionary<string, double>
        {
            ["accuracy"] = (d.gt(sc[0]).to(ScalarType.Float64) * p).sum().ToDouble() / count,
            ["margin"] = (d * p).sum().ToDouble() / count,
            ["min_reward"] = r.masked_fill(drop, sc[double.PositiveInfinity]).min().ToDouble(),
            ["mean_reward"] = (r * keep.to(ScalarType.Float64)).sum().ToDouble() / keep.to(ScalarType.Float64).sum().ToDouble(),
            ["max_reward"] = r.masked_fill(drop, sc[double.NegativeInfinity]).max().ToDouble(),
        };
    }
}
