// Settings of a reward-model run (Bradley–Terry pairs or K-wise rankings): each with its meaning, default and source.
using Hybrid.Training.Loop;

namespace Hybrid.Training.RewardModel;

/// <summary>
/// A reward-model run's configuration, immutable, validated in <see cref="Validate"/> (which names the field, the value and
/// the fix). Defaults follow TRL's RewardConfig / transformers' TrainingArguments unless noted.
/// </summary>
/// <remarks>TRL's reward-model defaults: learning rate 1e-5, 1 epoch.</remarks>
public sealed record RewardModelConfig() : TrainingArguments(defaultLearningRate: 1e-5, defaultEpochs: 1)
{
    /// <summary>
    /// Reward centering c of + c·mean((r_w + r_l)²) (Eisenstein et al. 2023; TRL's center_rewards_coefficient; 0.01
    /// recommended; default 0 = off).
    /// </summary>
    public double CenterRewardsCoefficient { get; init; }

    /// <summary>Also evaluate before the first step (logged as step 0; not on resume). Default false.</summary>
    public bool EvalOnStart { get; init; }

    /// <summary>What <c>RewardModelTrainer</c> logs at each evaluation.</summary>
    protected override IReadOnlyList<string> EvalMetricNames =>
        ["eval_loss", "eval_accuracy", "eval_margin", "eval_min_reward", "eval_mean_reward", "eval_max_reward"];

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the field, its value and the fix.</summary>
    public RewardModelConfig Validate()
    {
        ValidateArguments();
        Require(CenterRewardsCoefficient >= 0 && double.IsFinite(CenterRewardsCoefficient), nameof(CenterRewardsCoefficient), CenterRewardsCoefficient, "must be a finite number >= 0 (0.01 recommended, 0 = off)");
        return this;
    }
}
