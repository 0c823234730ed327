// One generated arithmetic word problem: its text, its worked solution (one "a op b = c" step per line) and its answer.
using System.Globalization;

namespace Hybrid.Training.Tasks.WordProblems;

/// <summary>One written step of a solution, <c>Left Op Right = Result</c> (Op is one of + - * /, all integers).</summary>
public sealed record WordProblemStep(int Left, char Op, int Right, int Result)
{
    /// <summary>The step as its solution line, e.g. <c>12 - 3 = 9</c>.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Left} {Op} {Right} = {Result}");
}

/// <summary>
/// A problem of difficulty <see cref="Level"/> (L + 1 operations on one running quantity). <see cref="Prompt"/> is the
/// story and question ending in a newline; <see cref="Solution"/> is what a model should write after it: every step on
/// its own line, then <c>The answer is N.</c> (read by the <c>accuracy</c> rewards as the last number).
/// </summary>
/// <param name="Key">The canonical problem: the start value and each operation with its number ("7+5-3"); two problems with
/// the same key are the same arithmetic in different words, so splits are disjoint by key.</param>
public sealed record WordProblem(int Level, string Prompt, IReadOnlyList<WordProblemStep> Steps, string Key)
{
    /// <summary>The final quantity: the result of the last step.</summary>
    public int Answer => Steps[^1].Result;

    /// <summary>The worked solution: one step per line, then the answer line.</summary>
    public string Solution => string.Join("\n", Steps.Select(s => s.ToString())) + "\n" + AnswerLine(Answer);

    /// <summary>The last line of every solution, e.g. <c>The answer is 9.</c></summary>
    public static string AnswerLine(int answer) => string.Create(CultureInfo.InvariantCulture, $"The answer is {answer}.");
}
