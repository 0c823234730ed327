// Step rewards → token-level quantities: token rewards at step ends, and DeepSeekMath's process-supervision advantages.

namespace Hybrid.Algorithms.Rewards.Process;

/// <summary>
/// Plain-array math that places step rewards on the response tokens (the trainer turns the arrays into [N, A] tensors).
/// A step's end token is the index (0-based, within the response) of its last token.
/// <list type="bullet">
/// <item><see cref="TokenRewards"/>: r_t = Σ_{j: end_j = t} r_j (per-step rewards, as in fine-grained RLHF / per-step rewards for PPO + GAE,
/// Wu et al. 2023, arXiv 2306.01693).</item>
/// <item><see cref="GroupAdvantages"/>: DeepSeekMath process supervision (Shao et al. 2024, arXiv 2402.03300, §4.1.3):
/// r̃ = (r − mean(R)) / (std(R) + ε) over all step rewards R of the G responses of one prompt, then
/// Â_{i,t} = Σ_{j: end_{i,j} ≥ t} r̃_{i,j}; tokens after a response's last step end get 0. std is the sample (n−1)
/// standard deviation, like the outcome GRPO estimator; a group with one step in all has std 0 and r̃ = 0.</item>
/// </list>
/// </summary>
public static class ProcessRewardMath
{
    /// <summary>[length] token rewards: each step's reward at its end token, 0 elsewhere.</summary>
    public static double[] TokenRewards(int length, IReadOnlyList<int> stepEnds, IReadOnlyList<double> stepRewards)
    {
        Validate(length, stepEnds, stepRewards, "response");
        var rewards = new double[length];
        for (int j = 0; j < stepEnds.Count; j++) rewards[stepEnds[j]] += stepRewards[j];
        return rewards;
    }

    /// <summary>
    /// [G][length_i] process advantages of one group: <paramref name="lengths"/>[i] tokens in response i, whose steps end at
    /// <paramref name="stepEnds"/>[i] (nondecreasing; steps sharing an end token add up) with rewards <paramref name="stepRewards"/>[i].
    /// </summary>
    public static double[][] GroupAdvantages(IReadOnlyList<int> lengths, IReadOnlyList<IReadOnlyList<int>> stepEnds,
        IReadOnlyList<IReadOnlyList<double>> stepRewards, double epsilon = 1e-6)
    {
        if (stepEnds.Count != lengths.Count || stepRewards.Count != lengths.Count)
            throw new ArgumentException($"GroupAdvantages: lengths ({lengths.Count}), stepEnds ({stepEnds.Count}) and stepRewards ({stepRewards.Count}) must have one entry per response");
        if (!(epsilon >= 0)) throw new ArgumentException($"GroupAdvantages: epsilon must be ≥ 0 (got {epsilon}); use 1e-6", nameof(epsilon));
        for (int i = 0; i < lengths.Count; i++) Validate(lengths[i], stepEnds[i], stepRewards[i], $"response {i}");

        double[] all = stepRewards.SelectMany(r => r).ToArray();
        double mean = all.Length == 0 ? 0 : all.Average();
        double std = all.Length < 2 ? 0 : Math.Sqrt(all.Sum(r => (r - mean) * (r - mean)) / (all.Length - 1));

        var advantages = new double[lengths.Count][];
        for (int i = 0; i < lengths.Count; i++)
        {
            advantages[i] = new double[lengths[i]];
            double suffix = 0;                                   // Σ r̃_j over steps ending at or after t
            int j = stepEnds[i].Count - 1;
            for (int t = lengths[i] - 1; t >= 0; t--)
            {
                for (; j >= 0 && stepEnds[i][j] >= t; j--)
                    suffix += std == 0 ? 0 : (stepRewards[i][j] - mean) / (std + epsilon);
                advantages[i][t] = suffix;
            }
        }
        return advantages;
    }

    /// <summary>
    /// Each step's end token: the first token whose character end (exclusive offset into the completion,
    /// <paramref name="tokenEnds"/>, nondecreasing) reaches the step's <see cref="StepSegment.End"/>. A step past the last
    /// token (a truncated decode) ends at the last token.
    /// </summary>
    public static int[] StepEndTokens(IReadOnlyList<StepSegment> steps, IReadOnlyList<int> tokenEnds)
    {
        if (tokenEnds.Count == 0) throw new ArgumentException("StepEndTokens: the response has no tokens", nameof(tokenEnds));
        var ends = new int[steps.Count];
        int t = 0;
        for (int j = 0; j < steps.Count; j++)
        {
            while (t < tokenEnds.Count - 1 && tokenEnds[t] < steps[j].End) t++;
            ends[j] = t;
        }
        return ends;
    }

    private static void Validate(int length, IReadOnlyList<int> stepEnds, IReadOnlyList<double> stepRewards, string what)
    {
        if (length < 0) throw new ArgumentException($"{what}: length must be ≥ 0 (got {length})");
        if (stepEnds.Count != stepRewards.Count)
            throw new ArgumentException($"{what}: {stepEnds.Count} step ends but {stepRewards.Count} step rewards; give one reward per step");
        for (int j = 0; j < stepEnds.Count; j++)
        {
            if (stepEnds[j] < 0 || stepEnds[j] >= length)
                throw new ArgumentException($"{what}: step {j} ends at token {stepEnds[j]}, outside [0, {length}); step ends index the response's tokens");
            if (j > 0 && stepEnds[j] < stepEnds[j - 1])
                throw new ArgumentException($"{what}: step ends must not decrease (step {j} ends at {stepEnds[j]} after {stepEnds[j - 1]})");
            if (!double.IsFinite(stepRewards[j])) throw new ArgumentException($"{what}: step {j} reward is {stepRewards[j]}; rewards must be finite");
        }
    }
}
