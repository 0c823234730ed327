// Accuracy reward: extract the final answer and compare it to the dataset's ground truth (RLVR, DeepSeek-R1, DAPO).

namespace Hybrid.Algorithms.Rewards;

/// <summary>Options of <see cref="AccuracyReward"/>.</summary>
public sealed record AccuracyRewardOptions
{
    /// <summary>Dataset column with the ground-truth answer. Default "answer".</summary>
    public string Column { get; init; } = "answer";

    /// <summary>Score of a correct answer. Default 1 (DeepSeek-R1's 0/1 rule reward); DAPO uses +1.</summary>
    public double Correct { get; init; } = 1.0;

    /// <summary>Score of a wrong or missing answer. Default 0; DAPO (Yu et al. 2025, arXiv 2503.14476) uses −1.</summary>
    public double Incorrect { get; init; } = 0.0;

    /// <summary>Relative tolerance of numeric equality (<see cref="NumericAnswer.Matches"/>). Default 1e-6.</summary>
    public double Tolerance { get; init; } = NumericAnswer.DefaultTolerance;

    /// <summary>The options DAPO uses: +1 correct, −1 otherwise.</summary>
    public static AccuracyRewardOptions Dapo => new() { Correct = 1.0, Incorrect = -1.0 };

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Column)) throw new ArgumentException("AccuracyRewardOptions.Column is empty; name the ground-truth column, e.g. \"answer\"");
        if (!double.IsFinite(Correct) || !double.IsFinite(Incorrect))
            throw new ArgumentException($"AccuracyRewardOptions.Correct/Incorrect must be finite (got {Correct}, {Incorrect})");
        if (!(Tolerance >= 0)) throw new ArgumentException($"AccuracyRewardOptions.Tolerance must be ≥ 0 (got {Tolerance}); use 1e-6");
    }
}

/// <summary>
/// r = Correct if match(extract(completion), row[Column]) else Incorrect, where match compares numerically when both sides
/// parse as numbers (|x − y| ≤ tol·max(1,|y|)) and as trimmed strings otherwise, and a completion with no extractable
/// answer is incorrect. Rule-based verifiable reward of DeepSeek-R1 (DeepSeek-AI 2025, arXiv 2501.12948) and DAPO
/// (Yu et al. 2025, arXiv 2503.14476, ±1). Metrics: <c>extracted_frac</c> (rows where an answer was found),
/// <c>accuracy</c> (fraction correct).
/// </summary>
public sealed class AccuracyReward : RuleReward
{
    private readonly string _name;

    public override IReadOnlyList<string> RequiredColumns => [Options.Column];

    public AccuracyReward(IAnswerExtractor? extractor = null, AccuracyRewardOptions? options = null, string name = "accuracy")
    {
        Extractor = extractor ?? FallbackExtractor.Default();
        Options = options ?? new AccuracyRewardOptions();
        Options.Validate();
        _name = name;
    }

    public override string Name => _name;

    public IAnswerExtractor Extractor { get; }

    public AccuracyRewardOptions Options { get; }

    /// <summary>True when the completion's extracted answer matches the row's ground truth.</summary>
    public bool IsCorrect(RewardSample sample) =>
        Extractor.Extract(sample.Completion) is { } answer && NumericAnswer.Matches(answer, Column(sample, Options.Column), Options.Tolerance);

    public override double ScoreOne(RewardSample sample) => IsCorrect(sample) ? Options.Correct : Options.Incorrect;

    public override RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        var scores = new double[samples.Count];
        int extracted = 0, correct = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            string? answer = Extractor.Extract(samples[i].Completion);
            bool ok = answer is not null && NumericAnswer.Matches(answer, Column(samples[i], Options.Column), Options.Tolerance);
            if (answer is not null) extracted++;
            if (ok) correct++;
            scores[i] = ok ? Options.Correct : Options.Incorrect;
        }
        double n = Math.Max(1, scores.Length);
        return new RewardOutput(scores, new Dictionary<string, double> { ["extracted_frac"] = extracted / n, ["accuracy"] = correct / n });
    }
}
