// A process (step-level) reward in the RL loop: step rewards of step-marked completions become token-level advantages or token rewards.
using Hybrid.Algorithms.Rewards.Process;

namespace Hybrid.Training.Rl;

/// <summary>Where the step rewards enter the update.</summary>
public enum ProcessRewardUse
{
    /// <summary>
    /// DeepSeekMath process supervision (Shao et al. 2024, arXiv 2402.03300, §4.1.3): step rewards normalised over the
    /// group, Â_t = Σ of the normalised rewards of the steps ending at or after t. Added to the preset estimator's
    /// outcome advantages (outcome + process, as PRIME sums its outcome and process advantages, Cui et al. 2025,
    /// arXiv 2502.01456); any estimator.
    /// </summary>
    Advantages,

    /// <summary>
    /// Each step's reward placed on its last token (fine-grained / per-step rewards, Wu et al. 2023, arXiv 2306.01693),
    /// added to the per-token rewards before the estimator: needs an estimator that reads token rewards
    /// (reinforce, reinforce_pp, remax, gae, rloo).
    /// </summary>
    TokenRewards,
}

/// <summary>
/// A step-level reward function (a PRM or a rule verifier such as <see cref="ArithmeticStepVerifier"/>), how its rewards
/// enter the update, and their weight. The trainer scores the decoded completions with <see cref="Steps"/>, maps each
/// step's character end to its token (<see cref="ResponseOffsets"/>) and adds <see cref="Tokens"/> × mask to the
/// advantages or the token rewards.
/// </summary>
public sealed record ProcessReward(IStepRewardFunction Steps, ProcessRewardUse Use = ProcessRewardUse.Advantages, double Weight = 1.0)
{
    /// <summary>
    /// [N, A] float32: <see cref="Weight"/> × the process advantages (<see cref="ProcessRewardUse.Advantages"/>, groups
    /// of <paramref name="groupSize"/> consecutive rows) or the step rewards at their end tokens (<see cref="ProcessRewardUse.TokenRewards"/>);
    /// 0 past each response's length. <paramref name="stepEnds"/>[i][j] is the token (within response i) ending step j.
    /// </summary>
    public Tensor Tokens(IReadOnlyList<int> lengths, IReadOnlyList<int[]> stepEnds, IReadOnlyList<double[]> stepRewards, int groupSize, int width)
    {
        int n = lengths.Count;
        if (stepEnds.Count != n || stepRewards.Count != n)
            throw new ArgumentException($"ProcessReward.Tokens: {n} lengths, {stepEnds.Count} step-end lists and {stepRewards.Count} reward lists; give one per response");
        if (groupSize < 1 || n % groupSize != 0) throw new ArgumentException($"ProcessReward.Tokens: {n} responses are not whole groups of {groupSize}", nameof(groupSize));
        if (lengths.Any(l => l > width)) throw new ArgumentException($"ProcessReward.Tokens: a response is longer than the width {width}", nameof(width));
        var values = new float[n * width];                                                              // [N, A]
        for (int start = 0; start < n; start += groupSize)
        {
            double[][] rows = Use == ProcessRewardUse.Advantages
                ? ProcessRewardMath.GroupAdvantages(lengths.Skip(start).Take(groupSize).ToArray(), stepEnds.Skip(start).Take(groupSize).ToArray(),
                                                    stepRewards.Skip(start).Take(groupSize).ToArray())
                : Enumerable.Range(start, groupSize).Select(i => ProcessRewardMath.TokenRewards(lengths[i], stepEnds[i], stepRewards[i])).ToArray();
            for (int g = 0; g < groupSize; g++)
                for (int t = 0; t < rows[g].Length; t++) values[(start + g) * width + t] = (float)(Weight * rows[g][t]);
        }
        return torch.tensor(values, [n, width]);
    }

    /// <summary>Rejects a weight that is not finite, and token rewards for an estimator that reads outcome scores only.</summary>
    public void CheckFits(RlAxes axes)
    {
        if (!double.IsFinite(Weight)) throw new ArgumentException($"ProcessReward.Weight = {Weight}: must be finite (1 = step rewards as given)");
        if (Use == ProcessRewardUse.TokenRewards && !axes.Advantage.AcceptsTokenRewards)
            throw new ArgumentException($"preset '{axes.PresetName}': its estimator {axes.Advantage.Name} reads outcome scores only, so step rewards cannot enter as token rewards; " +
                                        "use ProcessRewardUse.Advantages (DeepSeekMath process advantages) or an estimator such as reinforce_pp, rloo or gae");
    }
}
