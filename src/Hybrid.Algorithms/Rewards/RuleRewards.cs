// The registry of rule rewards by name, each with its literature defaults.
using Hybrid.Algorithms.Rewards.Process;

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// Rule rewards by name (a config lists them with weights; unknown names fail listing the known ones):
/// <c>accuracy</c> (answer tag → \boxed → last number, 0/1), <c>accuracy_last_number</c>, <c>accuracy_boxed</c>,
/// <c>accuracy_answer_tag</c>, <c>accuracy_prefix</c> ("答案是X"), <c>dapo_accuracy</c> (±1), <c>format</c> (strict
/// think/answer template), <c>format_loose</c>, <c>length_penalty</c> (512 tokens, −0.005/token), <c>overlong_punishment</c>
/// (DAPO 20480/4096), <c>partial_credit</c>, <c>layered</c> (10/0–5/1), <c>arithmetic_steps</c> (min over verified steps),
/// <c>solution_match</c> (the reference worked solution, line for line).
/// </summary>
public static class RuleRewards
{
    /// <summary>The registry (each <c>Create</c> builds a fresh instance with default options).</summary>
    public static Registry<IRewardFunction> Registry { get; } = new Registry<IRewardFunction>("reward function")
        .Add("accuracy", () => new AccuracyReward())
        .Add("accuracy_last_number", () => new AccuracyReward(new LastNumberExtractor(), name: "accuracy_last_number"))
        .Add("accuracy_boxed", () => new AccuracyReward(new BoxedExtractor(), name: "accuracy_boxed"))
        .Add("accuracy_answer_tag", () => new AccuracyReward(new AnswerTagExtractor(), name: "accuracy_answer_tag"))
        .Add("accuracy_prefix", () => new AccuracyReward(new PrefixExtractor(), name: "accuracy_prefix"))
        .Add("dapo_accuracy", () => new AccuracyReward(options: AccuracyRewardOptions.Dapo, name: "dapo_accuracy"))
        .Add("format", () => new FormatReward(strict: true))
        .Add("solution_match", () => new SolutionMatchReward())
        .Add("format_loose", () => new FormatReward(strict: false))
        .Add("length_penalty", () => new LengthPenalty())
        .Add("overlong_punishment", () => new OverlongPunishment())
        .Add("partial_credit", () => new PartialCreditReward())
        .Add("layered", () => new LayeredReward())
        .Add("arithmetic_steps", () => new StepRewardAggregate(new ArithmeticStepVerifier(), StepAggregation.Min, name: "arithmetic_steps"));
}
