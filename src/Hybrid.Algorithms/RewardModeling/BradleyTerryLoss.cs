// The Bradley–Terry pairwise reward-model loss, with Llama 2's margin and the reward-centering regulariser.

namespace Hybrid.Algorithms.RewardModeling;

/// <summary>
/// The reward model's pairwise ranking loss (docs/algorithms.md): P(y_w ≻ y_l | x) = σ(r_w − r_l), trained by its negative log-likelihood
/// <code>
/// L = mean_b[ −log σ(r_w,b − r_l,b − m_b) ] + c · mean_b[ (r_w,b + r_l,b)² ]
/// </code>
/// <list type="bullet">
/// <item>Bradley &amp; Terry (1952); as the RM loss: Stiennon et al. 2020 (arXiv 2009.01325), Ouyang et al. 2022 (InstructGPT, arXiv 2203.02155).</item>
/// <item>m_b: an optional per-pair margin (Touvron et al. 2023, Llama 2, arXiv 2307.09288: a larger margin for pairs rated
/// "significantly better"; they use m ∈ {0, 1/3, 2/3, 1}). m = 0 gives the plain loss.</item>
/// <item>c: the reward-centering coefficient (Eisenstein et al. 2023, "Helping or Herding?", arXiv 2312.09244; TRL's
/// <c>center_rewards_coefficient</c>, recommended 0.01; default 0 = off). It pulls r_w + r_l towards 0, so rewards stay
/// centred and comparable across prompts.</item>
/// </list>
/// Metrics (TRL's RewardTrainer names): <c>accuracy</c> = mean[r_w &gt; r_l], <c>margin</c> = mean[r_w − r_l],
/// <c>min_reward</c> / <c>mean_reward</c> / <c>max_reward</c> over all 2B rewards.
/// </summary>
public static class BradleyTerryLoss
{
    /// <summary>
    /// <paramref name="chosenRewards"/> r_w [B] and <paramref name="rejectedRewards"/> r_l [B] (float, with grad);
    /// <paramref name="margin"/> m [B] (no grad) or null; <paramref name="centerRewardsCoefficient"/> c ≥ 0. The loss is a mean over
    /// the B pairs (scale it by B / pairs-per-step to accumulate gradients over micro-batches).
    /// </summary>
    public static LossOutput Compute(Tensor chosenRewards, Tensor rejectedRewards, Tensor? margin = null, double centerRewardsCoefficient = 0)
    {
        CheckPair(chosenRewards, rejectedRewards, margin, centerRewardsCoefficient);
        using var sc = new ScalarScope();
        Tensor diff = chosenRewards - rejectedRewards;                                     // [B] r_w − r_l
        Tensor logits = margin is null ? diff : diff - margin.to(diff.dtype);              // [B] r_w − r_l − m
        Tensor loss = logits.log_sigmoid().mean().neg();                                    // [] −mean log σ(·)
        if (centerRewardsCoefficient > 0)
            loss = loss.add(chosenRewards.add(rejectedRewards, sc[1]).pow(sc[2]).mean() * sc[centerRewardsCoefficient], sc[1]);  // [] + c·mean (r_w + r_l)²
        return new LossOutput(loss, PairMetrics(chosenRewards, rejectedRewards));
    }

    /// <summary>accuracy, margin and the reward range of a batch of pairs, computed without gradients.</summary>
    internal static Dictionary<string, double> PairMetrics(Tensor chosenRewards, Tensor rejectedRewards)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor all = torch.cat([chosenRewards.detach(), rejectedRewards.detach()]);      // [2B]
        using var sc = new ScalarScope();
        Tensor diff = chosenRewards.detach() - rejectedRewards.detach();                   // [B]
        return new Dictionary<string, double>
        {
            ["accuracy"] = diff.gt(sc[0]).to(ScalarType.Float64).mean().ToDouble(),
            ["margin"] = diff.to(ScalarType.Float64).mean().ToDouble(),
            ["min_reward"] = all.min().ToDouble(),
            ["mean_reward"] = all.to(ScalarType.Float64).mean().ToDouble(),
            ["max_reward"] = all.max().ToDouble(),
        };
    }

    private static void CheckPair(Tensor chosen, Tensor rejected, Tensor? margin, double c)
    {
        if (chosen.dim() != 1 || !chosen.dtype.IsFloat() || chosen.size(0) == 0)
            throw new ArgumentException($"chosen rewards must be a non-empty [B] float tensor, got {chosen}", nameof(chosen));
        if (!rejected.shape.SequenceEqual(chosen.shape) || rejected.dtype != chosen.dtype)
            throw new ArgumentException($"rejected rewards must be {chosen} like the chosen ones, got {rejected}", nameof(rejected));
        if (margin is not null && !margin.shape.SequenceEqual(chosen.shape))
            throw new ArgumentException($"margin must be [{chosen.size(0)}] like the rewards, got {margin}", nameof(margin));
        if (!(c >= 0) || double.IsInfinity(c))
            throw new ArgumentOutOfRangeException(nameof(c), c, "center_rewards_coefficient must be a finite number >= 0 (0.01 recommended, 0 = off)");
    }
}
