// Synthetic step-by-step arithmetic for Step-DPO: chains like "3+4*2\n" solved as "3+4=7\n7*2=14\n", with wrong steps.
using System.Globalization;

namespace Hybrid.Training.OnlinePreference.StepDpo;

/// <summary>
/// A question is a start digit and 1 … n operations on single digits, applied <b>left to right</b> (no precedence), e.g.
/// <c>"3+4*2-5\n"</c>; its solution has one step per operation: <c>"3+4=7\n"</c>, <c>"7*2=14\n"</c>, <c>"14-5=9\n"</c>.
/// Every intermediate value stays in [0, 99]. A wrong step keeps the left-hand side and misses the result by 1 or 2
/// (<c>"7*2=15\n"</c>): the kind of slip Step-DPO localises. Deterministic for a given <see cref="Random"/>.
/// </summary>
public static class StepArithmetic
{
    private const int MaxValue = 99;

    /// <summary>A random question with <paramref name="operations"/> operations and its correct step-by-step solution.</summary>
    public static StepSolution NewProblem(Random rng, int operations)
    {
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfLessThan(operations, 1);
        int value = rng.Next(1, 10);
        string question = value.ToString(CultureInfo.InvariantCulture);
        var steps = new List<string>(operations);
        for (int i = 0; i < operations; i++)
        {
            char op;
            int operand, next;
            do
            {
                op = "+-*"[rng.Next(3)];
                operand = rng.Next(1, 10);
                next = Apply(value, op, operand);
            } while (next is < 0 or > MaxValue);
            question += $"{op}{operand}";
            steps.Add(Step(value, op, operand, next));
            value = next;
        }
        return new StepSolution(question + "\n", steps);
    }

    /// <summary>The same step with a result off by ±1 or ±2 (never negative): <c>"7*2=14\n"</c> → e.g. <c>"7*2=13\n"</c>.</summary>
    public static string WrongStep(string step, Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var (left, op, right, result) = Parse(step) ?? throw new ArgumentException($"'{step}' is not a step of the form a+b=c\\n", nameof(step));
        int wrong;
        do wrong = result + (rng.Next(2) == 0 ? -1 : 1) * rng.Next(1, 3);
        while (wrong < 0);
        return Step(left, op, right, wrong);
    }

    /// <summary>True when <paramref name="step"/> is "a{+,-,*}b=c\n" with c the true result.</summary>
    public static bool IsCorrectStep(string step) => Parse(step) is var (left, op, right, result) && Apply(left, op, right) == result;

    /// <summary>
    /// <paramref name="count"/> Step-DPO pairs: for each a new problem with <paramref name="minOperations"/> …
    /// <paramref name="maxOperations"/> steps, a step k drawn uniformly, prompt = question + the k − 1 correct steps before
    /// it, chosen = the correct k-th step, rejected = a wrong k-th step. Deterministic from <paramref name="seed"/>.
    /// </summary>
    public static List<StepPair> Pairs(int count, int seed, int minOperations = 2, int maxOperations = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(minOperations, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOperations, minOperations);
        var rng = new Random(seed);
        var pairs = new List<StepPair>(count);
        for (int i = 0; i < count; i++)
        {
            StepSolution solution = NewProblem(rng, rng.Next(minOperations, maxOperations + 1));
            int k = rng.Next(1, solution.Steps.Count + 1);
            string correct = solution.Steps[k - 1];
            pairs.Add(new StepPair(solution.Question, solution.Steps.Take(k - 1).ToArray(), correct, WrongStep(correct, rng)));
        }
        return pairs;
    }

    private static int Apply(int left, char op, int right) => op switch
    {
        '+' => left + right,
        '-' => left - right,
        '*' => left * right,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "operators are + - *"),
    };

    private static string Step(int left, char op, int right, int result) => string.Create(CultureInfo.InvariantCulture, $"{left}{op}{right}={result}\n");

    /// <summary>(a, op, b, c) of "a{op}b=c\n", or null when the text has another form.</summary>
    private static (int Left, char Op, int Right, int Result)? Parse(string step)
    {
        if (step is null || !step.EndsWith('\n')) return null;
        int eq = step.IndexOf('=');
        if (eq < 0) return null;
        int opAt = step.IndexOfAny(['+', '-', '*'], 1);  // index 0 would be a sign; values are never negative here
        if (opAt < 0 || opAt > eq) return null;
        var inv = CultureInfo.InvariantCulture;
        if (!int.TryParse(step.AsSpan(0, opAt), NumberStyles.None, inv, out int left)
            || !int.TryParse(step.AsSpan(opAt + 1, eq - opAt - 1), NumberStyles.None, inv, out int right)
            || !int.TryParse(step.AsSpan(eq + 1, step.Length - eq - 2), NumberStyles.None, inv, out int result))
            return null;
        return (left, step[opAt], right, result);
    }
}
