// Draws one arithmetic word problem of a given level: a chain of L + 1 operations on small integers, told as a short story.
using System.Globalization;
using System.Text;

namespace Hybrid.Training.Tasks.WordProblems;

/// <summary>
/// A level-L problem starts from a count in [<see cref="MinStart"/>, <see cref="MaxStart"/>] and applies L + 1
/// operations, each keeping the count a whole number in [1, max value] (<see cref="MaxValue"/> unless given): add or subtract 1–9, multiply by 2
/// or 3, divide by 2 or 3 when it divides evenly (kinds weighted 3 : 3 : 1 : 1). Every draw comes from the given
/// <see cref="Random"/>, so a seeded generator gives the same problems every time.
/// </summary>
public static class WordProblemGenerator
{
    /// <summary>Easiest level: 2 operations.</summary>
    public const int MinLevel = 1;

    /// <summary>Hardest level: 7 operations (the bench uses 1–4; prompts and solutions stay under 200 tokens).</summary>
    public const int MaxLevel = 6;

    /// <summary>Smallest opening count.</summary>
    public const int MinStart = 2;

    /// <summary>Largest opening count.</summary>
    public const int MaxStart = 20;

    /// <summary>
    /// Largest count at any step. 20 keeps the arithmetic facts few (x ± n, 2x, 3x, x/2, x/3 up to 20: about 300) and every
    /// number one or two digits, so that a `small` model learns the easy levels in minutes on a CPU (with 50, 600 SFT steps
    /// reached 27% on level 1 instead of 63%). The price: a wrong chain of steps lands on the right answer more often.
    /// </summary>
    public const int MaxValue = 20;

    /// <summary>The largest max value a caller may ask for: counts stay at most three digits.</summary>
    public const int MaxMaxValue = 999;

    /// <summary>Smallest and largest number added or subtracted.</summary>
    public const int MinAmount = 1, MaxAmount = 9;

    /// <summary>Operations per problem at <paramref name="level"/>: L + 1.</summary>
    public static int StepsOf(int level) => level + 1;

    /// <summary>
    /// A new problem of <paramref name="level"/> drawn from <paramref name="random"/>, every count in [1,
    /// <paramref name="maxValue"/>] (in [<see cref="MaxStart"/>, <see cref="MaxMaxValue"/>]). A problem's key does not depend on
    /// the max value, so the same problem has the same split under any max value.
    /// </summary>
    public static WordProblem Create(int level, Random random, int maxValue = MaxValue)
    {
        if (level is < MinLevel or > MaxLevel) throw new ArgumentOutOfRangeException(nameof(level), level, $"levels are {MinLevel}–{MaxLevel}");
        if (maxValue is < MaxStart or > MaxMaxValue) throw new ArgumentOutOfRangeException(nameof(maxValue), maxValue, $"the max value is in {MaxStart}–{MaxMaxValue}");
        var person = WordProblemTemplates.People[random.Next(WordProblemTemplates.People.Length)];
        string friend = WordProblemTemplates.People.Where(p => p.Name != person.Name).ElementAt(random.Next(WordProblemTemplates.People.Length - 1)).Name;
        string items = WordProblemTemplates.Items[random.Next(WordProblemTemplates.Items.Length)];
        int value = random.Next(MinStart, MaxStart + 1);

        var text = new StringBuilder(WordProblemTemplates.Opening(person.Name, value, items));
        var key = new StringBuilder(value.ToString(CultureInfo.InvariantCulture));
        var steps = new List<WordProblemStep>();
        for (int i = 0; i < StepsOf(level); i++)
        {
            var (op, n) = NextOperation(value, maxValue, random);
            int result = op switch { '+' => value + n, '-' => value - n, '*' => value * n, _ => value / n };
            steps.Add(new WordProblemStep(value, op, n, result));
            IReadOnlyList<string> sentences = WordProblemTemplates.Sentences(op);
            text.Append(' ').Append(sentences[random.Next(sentences.Count)]
                .Replace("{P}", person.Subject).Replace("{O}", person.Object).Replace("{F}", friend)
                .Replace("{N}", n.ToString(CultureInfo.InvariantCulture)));
            key.Append(op).Append(n.ToString(CultureInfo.InvariantCulture));
            value = result;
        }
        text.Append(' ').Append(WordProblemTemplates.Question(person.Name, items)).Append('\n');
        return new WordProblem(level, text.ToString(), steps, key.ToString());
    }

    /// <summary>Weights of the kinds of operation (+, −, ×, ÷): addition and subtraction three times as often as the others.</summary>
    private static readonly (char Op, int Weight)[] Kinds = [('+', 3), ('-', 3), ('*', 1), ('/', 1)];

    /// <summary>
    /// One operation that keeps the count in [1, maxValue]: a kind drawn by weight among the kinds with a possible number,
    /// then one of that kind's possible numbers, uniformly (so a kind's share does not depend on how many numbers fit).
    /// </summary>
    private static (char Op, int N) NextOperation(int value, int maxValue, Random random)
    {
        var possible = Kinds.Select(k => (k.Op, k.Weight, Numbers: Numbers(k.Op).Where(n => Fits(value, k.Op, n, maxValue)).ToArray()))
                            .Where(k => k.Numbers.Length > 0).ToArray();
        int pick = random.Next(possible.Sum(k => k.Weight));
        foreach (var (op, weight, numbers) in possible)
        {
            if (pick < weight) return (op, numbers[random.Next(numbers.Length)]);
            pick -= weight;
        }
        throw new InvalidOperationException("unreachable: the pick is below the total weight");
    }

    private static IEnumerable<int> Numbers(char op) => op is '+' or '-' ? Enumerable.Range(MinAmount, MaxAmount - MinAmount + 1) : [2, 3];

    private static bool Fits(int value, char op, int n, int maxValue) => op switch
    {
        '+' => value + n <= maxValue,
        '-' => value - n >= 1,
        '*' => value * n <= maxValue,
        _ => value % n == 0,
    };
}
