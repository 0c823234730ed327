// A rule-based process reward: every arithmetic claim "a op b = c" in a step is recomputed and checked.
using System.Text.RegularExpressions;

namespace Hybrid.Algorithms.Rewards.Process;

/// <summary>Options of <see cref="ArithmeticStepVerifier"/>.</summary>
public sealed record ArithmeticStepOptions
{
    /// <summary>Step separator. Default "\n" (one step per line).</summary>
    public string Marker { get; init; } = "\n";

    /// <summary>Reward of a step whose equations all hold. Default 1.</summary>
    public double Correct { get; init; } = 1.0;

    /// <summary>Reward of a step with at least one false equation. Default 0.</summary>
    public double Incorrect { get; init; } = 0.0;

    /// <summary>Reward of a step with no checkable equation. Default 0 (no evidence either way).</summary>
    public double Unchecked { get; init; } = 0.0;

    /// <summary>Relative tolerance of "=" (|lhs − rhs| ≤ tol·max(1, |rhs|)). Default 1e-9.</summary>
    public double Tolerance { get; init; } = 1e-9;
}

/// <summary>
/// Splits the completion into steps (<see cref="StepSplitter"/>) and finds in each step the equations: maximal runs of
/// digits, <c>. + − * / × ÷ ( )</c>, blanks and <c>=</c> that contain "=". The run is split at each "="; when every part
/// is an arithmetic expression (<see cref="ArithmeticExpression"/>) the equation is checked (all parts equal; "2+3=5=5"
/// chains are allowed), otherwise it is ignored (e.g. "x = 5"). A step scores Correct when it has equations and all
/// hold, Incorrect when any fails, Unchecked when it has none. A rule stand-in for a process reward model (PRM,
/// Lightman et al. 2023, arXiv 2305.20050) on arithmetic tasks.
/// </summary>
public sealed partial class ArithmeticStepVerifier : IStepRewardFunction
{
    private readonly StepSplitter _splitter;

    public ArithmeticStepVerifier(ArithmeticStepOptions? options = null)
    {
        Options = options ?? new ArithmeticStepOptions();
        if (!double.IsFinite(Options.Correct) || !double.IsFinite(Options.Incorrect) || !double.IsFinite(Options.Unchecked))
            throw new ArgumentException($"ArithmeticStepOptions rewards must be finite (got {Options.Correct}, {Options.Incorrect}, {Options.Unchecked})");
        if (!(Options.Tolerance >= 0)) throw new ArgumentException($"ArithmeticStepOptions.Tolerance must be ≥ 0 (got {Options.Tolerance}); use 1e-9");
        _splitter = new StepSplitter(Options.Marker);
    }

    public ArithmeticStepOptions Options { get; }

    public string Name => "arithmetic_steps";

    public IReadOnlyList<StepScores> ScoreSteps(IReadOnlyList<RewardSample> samples)
    {
        var result = new StepScores[samples.Count];
        for (int i = 0; i < result.Length; i++)
        {
            IReadOnlyList<StepSegment> steps = _splitter.Split(samples[i].Completion);
            result[i] = new StepScores(steps, steps.Select(step => ScoreStep(step.Text)).ToArray());
        }
        return result;
    }

    /// <summary>The reward of one step's text.</summary>
    public double ScoreStep(string step)
    {
        bool any = false;
        foreach (Match run in EquationRun().Matches(step))
        {
            bool? holds = Check(run.Value);
            if (holds is null) continue;
            if (holds == false) return Options.Incorrect;
            any = true;
        }
        return any ? Options.Correct : Options.Unchecked;
    }

    /// <summary>True/false for a checkable equation, null when a part is not an arithmetic expression.</summary>
    private bool? Check(string run)
    {
        string trimmed = run.Trim().TrimEnd('.').Trim();
        while (trimmed.StartsWith('.') && (trimmed.Length == 1 || !char.IsAsciiDigit(trimmed[1]))) trimmed = trimmed[1..].TrimStart();
        string[] parts = trimmed.Split('=');
        var values = new double[parts.Length];
        for (int k = 0; k < parts.Length; k++)
            if (string.IsNullOrWhiteSpace(parts[k]) || !ArithmeticExpression.TryEvaluate(parts[k], out values[k])) return null;
        double target = values[^1];
        for (int k = 0; k < values.Length - 1; k++)
            if (!(double.IsFinite(values[k]) && double.IsFinite(target) && Math.Abs(values[k] - target) <= Options.Tolerance * Math.Max(1.0, Math.Abs(target))))
                return false;
        return true;
    }

    [GeneratedRegex(@"[\d.\s+\-−*/×÷()]*=[\d.\s+\-−*/×÷()=]*")]
    private static partial Regex EquationRun();
}
