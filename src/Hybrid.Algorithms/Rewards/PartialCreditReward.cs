// Graded partial credit for numeric answers: full for the right number, less for a near number, little for a non-number.

namespace Hybrid.Algorithms.Rewards;

/// <summary>Options of <see cref="PartialCreditReward"/>.</summary>
public sealed record PartialCreditOptions
{
    /// <summary>Dataset column with the ground truth. Default "answer".</summary>
    public string Column { get; init; } = "answer";

    /// <summary>Score of a matching answer. Default 1.</summary>
    public double Full { get; init; } = 1.0;

    /// <summary>The limit a wrong number approaches as it nears the answer. Default 0.5.</summary>
    public double Near { get; init; } = 0.5;

    /// <summary>Score of an answer that is not a number (and of a far-off number's limit). Default 0.1.</summary>
    public double NonNumeric { get; init; } = 0.1;

    /// <summary>Score when no answer can be extracted. Default 0.</summary>
    public double Missing { get; init; } = 0.0;

    /// <summary>Relative tolerance of numeric equality. Default 1e-6.</summary>
    public double Tolerance { get; init; } = NumericAnswer.DefaultTolerance;

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Column)) throw new ArgumentException("PartialCreditOptions.Column is empty; name the ground-truth column, e.g. \"answer\"");
        if (!(Full >= Near && Near >= NonNumeric && NonNumeric >= Missing) || !double.IsFinite(Full) || !double.IsFinite(Missing))
            throw new ArgumentException($"PartialCreditOptions needs finite Full ≥ Near ≥ NonNumeric ≥ Missing (got {Full}, {Near}, {NonNumeric}, {Missing}); defaults are 1, 0.5, 0.1, 0");
    }
}

/// <summary>
/// With x the extracted answer and y the ground truth:
/// <list type="bullet">
/// <item>x matches y (<see cref="NumericAnswer.Matches"/>): Full (1);</item>
/// <item>x and y are numbers, x ≠ y: NonNumeric + (Near − NonNumeric) / (1 + |x − y| / max(1, |y|)), strictly between
/// NonNumeric and Near and larger the closer x is (relative error);</item>
/// <item>x is not a number or y is not a number (and they differ): NonNumeric (0.1);</item>
/// <item>no answer: Missing (0).</item>
/// </list>
/// The idea of graded credit comes from Unsloth's GRPO reward example (docs/algorithms.md) for "2+2=?": 4 is correct, 3 beats 8
/// (closer), and any digit beats letters. With the defaults: "4" → 1, "3" → 0.1 + 0.4/1.25 = 0.42, "8" → 0.1 + 0.4/2 = 0.3,
/// "four" → 0.1. Metric: <c>exact_frac</c>.
/// </summary>
public sealed class PartialCreditReward : RuleReward
{
    public override IReadOnlyList<string> RequiredColumns => [Options.Column];

    public PartialCreditReward(IAnswerExtractor? extractor = null, PartialCreditOptions? options = null)
    {
        Extractor = extractor ?? FallbackExtractor.Default();
        Options = options ?? new PartialCreditOptions();
        Options.Validate();
    }

    public IAnswerExtractor Extractor { get; }

    public PartialCreditOptions Options { get; }

    public override string Name => "partial_credit";

    public override double ScoreOne(RewardSample sample)
    {
        string target = Column(sample, Options.Column);
        if (Extractor.Extract(sample.Completion) is not { } answer) return Options.Missing;
        if (NumericAnswer.Matches(answer, target, Options.Tolerance)) return Options.Full;
        if (NumericAnswer.TryParse(answer, out double x) && NumericAnswer.TryParse(target, out double y))
            return Options.NonNumeric + (Options.Near - Options.NonNumeric) / (1.0 + Math.Abs(x - y) / Math.Max(1.0, Math.Abs(y)));
        return Options.NonNumeric;
    }

    public override RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        RewardOutput output = base.Score(samples);
        double exact = output.Scores.Count(s => s == Options.Full) / (double)Math.Max(1, samples.Count);
        return output with { Metrics = new Dictionary<string, double> { ["exact_frac"] = exact } };
    }
}
