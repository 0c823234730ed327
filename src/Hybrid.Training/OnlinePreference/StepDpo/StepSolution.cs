// A step-segmented solution: a question and its reasoning steps, each step a string ending where the next begins.

namespace Hybrid.Training.OnlinePreference.StepDpo;

/// <summary>
/// <see cref="Question"/> followed by <see cref="Steps"/> s₁ … s_n (Step-DPO's unit of preference is one step). The full
/// text is <c>Question + s₁ + … + s_n</c>: steps carry their own separators (e.g. a trailing "\n").
/// </summary>
public sealed record StepSolution
{
    /// <summary>Builds a solution; every step must be non-empty.</summary>
    public StepSolution(string question, IReadOnlyList<string> steps)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(steps);
        for (int i = 0; i < steps.Count; i++)
        {
            if (string.IsNullOrEmpty(steps[i]))
                throw new ArgumentException($"StepSolution.Steps[{i}] is empty: every step needs text (split the solution at its step separators)", nameof(steps));
        }
        Question = question;
        Steps = steps.ToArray();
    }

    /// <summary>x: the question, as the model sees it before the first step.</summary>
    public string Question { get; }

    /// <summary>s₁ … s_n.</summary>
    public IReadOnlyList<string> Steps { get; }

    /// <summary>Question + every step.</summary>
    public string Text => Question + string.Concat(Steps);

    /// <summary>Splits <paramref name="solution"/> after every <paramref name="separator"/> (kept with its step); a trailing unterminated piece is a step too.</summary>
    public static StepSolution Split(string question, string solution, string separator = "\n")
    {
        ArgumentException.ThrowIfNullOrEmpty(separator);
        var steps = new List<string>();
        int at = 0;
        while (at < solution.Length)
        {
            int end = solution.IndexOf(separator, at, StringComparison.Ordinal);
            end = end < 0 ? solution.Length : end + separator.Length;
            steps.Add(solution[at..end]);
            at = end;
        }
        return new StepSolution(question, steps);
    }
}
