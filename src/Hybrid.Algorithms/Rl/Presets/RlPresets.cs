// The named recipes of the GRPO/PPO family with their papers' hyperparameters.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Named <see cref="RlPreset"/>s. The group size is the caller's (<see cref="Create"/>); ppo and remax default to 1
/// response per prompt, the group recipes have none until the caller gives one. Every other value is the paper's (or
/// TRL's, for ppo); the few that are ours say so in <see cref="RlPreset.Paper"/>.
/// </summary>
public static class RlPresets
{
    public static Registry<RlPreset> Registry { get; } = new Registry<RlPreset>("rl preset")
        .Add("grpo", Grpo)
        .Add("dr_grpo", () => Grpo() with
        {
            Name = "dr_grpo", Paper = "Liu et al. 2025, Understanding R1-Zero-Like Training (arXiv 2503.20783)",
            AdvantageEstimator = "dr_grpo", Aggregation = "seq_mean_token_sum_norm", KlPlacement = KlPlacement.None, KlCoefficient = 0,
        })
        .Add("dapo", Dapo)
        .Add("gspo", () => Clipped("gspo", "Zheng et al. 2025, Group Sequence Policy Optimization (arXiv 2507.18071)") with
        {
            PolicyLoss = "gspo", ClipLow = GspoLoss.DefaultClipLow, ClipHigh = GspoLoss.DefaultClipHigh, Aggregation = "seq_mean_token_mean",
        })
        .Add("gmpo", () => Clipped("gmpo", "Zhao et al. 2025, Geometric-Mean Policy Optimization (arXiv 2507.20673)") with
        {
            PolicyLoss = "gmpo", ClipLow = GmpoLoss.DefaultClip, ClipHigh = GmpoLoss.DefaultClip, Aggregation = "seq_mean_token_mean",
        })
        .Add("rloo", () => Clipped("rloo", "Ahmadian et al. 2024, Back to Basics (arXiv 2402.14740); TRL RLOO β = 0.05") with
        {
            AdvantageEstimator = "rloo", Aggregation = "seq_mean_token_sum",
            KlEstimator = "k1", KlPlacement = KlPlacement.InReward, KlCoefficient = 0.05,
        })
        .Add("reinforce_pp", () => Clipped("reinforce_pp", "Hu 2025, REINFORCE++ (arXiv 2501.03262)") with
        {
            AdvantageEstimator = "reinforce_pp", KlEstimator = "k1", KlPlacement = KlPlacement.InReward, KlCoefficient = 0.01,
            WhitenAdvantages = true,
        })
        .Add("remax", () => new RlPreset
        {
            Name = "remax", Paper = "Li et al. 2023, ReMax (arXiv 2310.10505); β = 0.01 is our default",
            AdvantageEstimator = "remax", PolicyLoss = "reinforce", Aggregation = "seq_mean_token_sum", GroupSize = 1,
            KlEstimator = "k1", KlPlacement = KlPlacement.InReward, KlCoefficient = 0.01,
        })
        .Add("raft", () => new RlPreset
        {
            Name = "raft", Paper = "Dong et al. 2023, RAFT (arXiv 2304.06767); Xiong et al. 2025 (arXiv 2504.11343)",
            AdvantageEstimator = "reinforce", PolicyLoss = "raft", Aggregation = "token_mean",
        })
        .Add("raft_pp", () => Clipped("raft_pp", "Xiong et al. 2025, A Minimalist Approach to LLM Reasoning (arXiv 2504.11343)") with
        {
            AdvantageEstimator = "reinforce", PolicyLoss = "raft_pp",
        })
        .Add("reinforce_rej", () => Clipped("reinforce_rej", "Xiong et al. 2025, A Minimalist Approach to LLM Reasoning (arXiv 2504.11343)") with
        {
            AdvantageEstimator = "reinforce", Filters = ["reinforce_rej"],
        })
        .Add("ppo", () => new RlPreset
        {
            Name = "ppo", Paper = "Schulman et al. 2017 (arXiv 1707.06347); Ziegler et al. 2019 (arXiv 1909.08593); TRL PPO defaults",
            AdvantageEstimator = "gae", Gamma = 1.0, Lambda = 0.95, WhitenAdvantages = true, GroupSize = 1,
            PolicyLoss = "ppo_clip", ClipLow = PpoClipLoss.DefaultClip, ClipHigh = PpoClipLoss.DefaultClip, Aggregation = "token_mean",
            ValueCoefficient = 0.1, ValueClip = 0.2, UpdateEpochs = 4,
            KlEstimator = "k1", KlPlacement = KlPlacement.InReward, KlCoefficient = 0.2, KlController = "adaptive", KlTarget = 6, KlHorizon = 10_000,
        })
        .Add("grpo_lambda", () => Grpo() with
        {
            Name = "grpo_lambda", Paper = "Dai et al. 2025, Stable Reinforcement Learning for Efficient Reasoning (arXiv 2505.18086); λ = 0.2 is our default",
            GrpoLambdaFraction = 0.2,
        })
        .Add("gvpo", () => new RlPreset
        {
            Name = "gvpo", Paper = "Zhang et al. 2025, GVPO (arXiv 2504.19599); β = 0.1 is our default",
            AdvantageEstimator = "dr_grpo", PolicyLoss = "gvpo", GvpoBeta = GvpoLoss.DefaultBeta, Aggregation = "seq_mean_token_mean",
        })
        .Add("ghpo", () => Grpo() with
        {
            Name = "ghpo", Paper = "Liu et al. 2025, GHPO (arXiv 2507.10628)", GhpoHints = true,
        });

    /// <summary>The named preset, with the caller's group size when given, validated.</summary>
    public static RlPreset Create(string name, int? groupSize = null)
    {
        RlPreset preset = Registry.Create(name);
        return (groupSize is int g ? preset with { GroupSize = g } : preset).Validate();
    }

    /// <summary>GRPO as DeepSeekMath: k3 KL in the loss with β = 0.04, ε = 0.2, seq_mean_token_mean, μ = 1 (G = 64 there).</summary>
    private static RlPreset Grpo() => new()
    {
        Name = "grpo", Paper = "Shao et al. 2024, DeepSeekMath (arXiv 2402.03300)",
        AdvantageEstimator = "grpo", PolicyLoss = "ppo_clip", ClipLow = PpoClipLoss.DefaultClip, ClipHigh = PpoClipLoss.DefaultClip, Aggregation = "seq_mean_token_mean",
        KlEstimator = "k3", KlPlacement = KlPlacement.InLoss, KlCoefficient = 0.04, KlController = "fixed",
    };

    /// <summary>DAPO: clip-higher 0.2/0.28, token_mean, dynamic sampling, soft overlong punishment 20480/4096, no KL, T = 1 (G = 16 there).</summary>
    private static RlPreset Dapo() => new()
    {
        Name = "dapo", Paper = "Yu et al. 2025, DAPO (arXiv 2503.14476)",
        AdvantageEstimator = "grpo", PolicyLoss = "ppo_clip", ClipLow = PpoClipLoss.DefaultClip, ClipHigh = 0.28, Aggregation = "token_mean",
        Filters = ["dynamic_sampling"], OverlongMaxLength = 20480, OverlongCacheLength = 4096, Temperature = 1.0,
    };

    /// <summary>A KL-free group recipe with the PPO clip at 0.2 that the others start from.</summary>
    private static RlPreset Clipped(string name, string paper) => new()
    {
        Name = name, Paper = paper, AdvantageEstimator = "grpo", PolicyLoss = "ppo_clip", ClipLow = PpoClipLoss.DefaultClip, ClipHigh = PpoClipLoss.DefaultClip, Aggregation = "token_mean",
    };
}
