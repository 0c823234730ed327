// The process-reward interface: one reward per reasoning step of a step-marked completion (process supervision).

namespace Hybrid.Algorithms.Rewards.Process;

/// <summary>The steps of one completion and their rewards (Rewards[j] belongs to Steps[j]).</summary>
public sealed record StepScores(IReadOnlyList<StepSegment> Steps, double[] Rewards);

/// <summary>
/// A step-level reward (a process reward model or a rule verifier): scores each step instead of the whole output, which
/// gives a dense signal (Lightman et al. 2023, "Let's Verify Step by Step", arXiv 2305.20050; DeepSeekMath's process
/// supervision, Shao et al. 2024, arXiv 2402.03300). <see cref="ProcessRewardMath"/> turns the step rewards into
/// token-level rewards or advantages; <see cref="StepRewardAggregate"/> turns them into one score per completion.
/// </summary>
public interface IStepRewardFunction
{
    /// <summary>Name used in metrics.</summary>
    string Name { get; }

    /// <summary>One <see cref="StepScores"/> per sample, in order.</summary>
    IReadOnlyList<StepScores> ScoreSteps(IReadOnlyList<RewardSample> samples);
}
