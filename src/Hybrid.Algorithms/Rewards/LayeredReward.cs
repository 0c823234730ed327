// Layered rule reward: points for a correct answer, for step completeness and for format (GRPO practitioner recipe).

namespace Hybrid.Algorithms.Rewards;

/// <summary>Options of <see cref="LayeredReward"/> (10 / 0–5 / 1).</summary>
public sealed record LayeredRewardOptions
{
    /// <summary>Points for a correct final answer. Default 10.</summary>
    public double CorrectPoints { get; init; } = 10.0;

    /// <summary>Points for complete reasoning (reached at <see cref="ExpectedSteps"/> steps). Default 5.</summary>
    public double StepPoints { get; init; } = 5.0;

    /// <summary>Steps that earn the full <see cref="StepPoints"/>. Default 5 (one point per step up to five).</summary>
    public int ExpectedSteps { get; init; } = 5;

    /// <summary>Points for following the format. Default 1.</summary>
    public double FormatPoints { get; init; } = 1.0;

    internal void Validate()
    {
        if (!double.IsFinite(CorrectPoints) || !double.IsFinite(StepPoints) || !double.IsFinite(FormatPoints))
            throw new ArgumentException($"LayeredRewardOptions points must be finite (got {CorrectPoints}, {StepPoints}, {FormatPoints})");
        if (ExpectedSteps < 1) throw new ArgumentException($"LayeredRewardOptions.ExpectedSteps must be ≥ 1 (got {ExpectedSteps}); the recipe's scale suggests 5");
    }
}

/// <summary>
/// R = CorrectPoints·𝟙[correct] + StepPoints·min(1, steps / ExpectedSteps) + FormatPoints·𝟙[format ok], defaults
/// 10·𝟙[correct] + (0–5) + 1·𝟙[format] (a GRPO tuning heuristic: "make the reward signal dense enough").
/// Correctness comes from an <see cref="AccuracyReward"/>, format from a <see cref="FormatReward"/>, the step count from a
/// pluggable <see cref="IStepCounter"/> (default: non-blank lines of the think block). The recipe adds the length penalty
/// on top: combine with <see cref="LengthPenalty"/> in a <see cref="RewardCombination"/>.
/// Metrics: <c>correct_frac</c>, <c>format_frac</c>, <c>steps_mean</c>.
/// </summary>
public sealed class LayeredReward : IRewardFunction
{
    public LayeredReward(AccuracyReward? accuracy = null, FormatReward? format = null, IStepCounter? stepCounter = null, LayeredRewardOptions? options = null)
    {
        Accuracy = accuracy ?? new AccuracyReward();
        Format = format ?? new FormatReward();
        StepCounter = stepCounter ?? new MarkerStepCounter();
        Options = options ?? new LayeredRewardOptions();
        Options.Validate();
    }

    public string Name => "layered";

    public IReadOnlyList<string> RequiredColumns => Accuracy.RequiredColumns;

    public AccuracyReward Accuracy { get; }

    public FormatReward Format { get; }

    public IStepCounter StepCounter { get; }

    public LayeredRewardOptions Options { get; }

    public RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        var scores = new double[samples.Count];
        double correct = 0, formatted = 0, steps = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            bool isCorrect = Accuracy.IsCorrect(samples[i]);
            bool isFormatted = Format.Matches(samples[i].Completion);
            int count = StepCounter.Count(samples[i]);
            scores[i] = (isCorrect ? Options.CorrectPoints : 0) + Options.StepPoints * Math.Min(1.0, (double)count / Options.ExpectedSteps)
                + (isFormatted ? Options.FormatPoints : 0);
            correct += isCorrect ? 1 : 0;
            formatted += isFormatted ? 1 : 0;
            steps += count;
        }
        double n = Math.Max(1, scores.Length);
        return new RewardOutput(scores, new Dictionary<string, double>
        {
            ["correct_frac"] = correct / n, ["format_frac"] = formatted / n, ["steps_mean"] = steps / n,
        });
    }
}
