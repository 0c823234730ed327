// A step-marked verifiable task: a+b+c worked in two written steps ("3+4=7\n7+2=9"), for process rewards.
using Hybrid.Training.Data;

namespace Hybrid.Training.Rl.Tasks;

/// <summary>
/// The 1,000 sums a+b+c of digits as prompt rows ("3+4+2=") whose <c>solution</c> column is the two-step working
/// "a+b=s\ns+c=t" (one step per line) and whose <c>answer</c> column is t. An arithmetic step verifier checks each line,
/// the accuracy reward the last number; the byte-level policy of <see cref="AdditionTask"/> learns the format from a
/// warm-up on the solutions (<c>AdditionTask.WarmUp(…, completionColumn: "solution")</c>).
/// </summary>
public static class ChainAdditionTask
{
    /// <summary>Longest solution in bytes ("9+9=18\n18+9=27").</summary>
    public const int LongestSolution = 14;

    /// <summary>All sums shuffled by <paramref name="seed"/>, split into train and held-out rows.</summary>
    public static (List<PromptRow> Train, List<PromptRow> HeldOut) Split(int heldOut = 200, int seed = 7)
    {
        var rows = (from a in Enumerable.Range(0, 10) from b in Enumerable.Range(0, 10) from c in Enumerable.Range(0, 10)
                    select new PromptRow($"{a}+{b}+{c}=", new Dictionary<string, string>
                    {
                        ["solution"] = $"{a}+{b}={a + b}\n{a + b}+{c}={a + b + c}",
                        ["answer"] = (a + b + c).ToString(),
                    }, $"{a}+{b}+{c}")).ToArray();
        new Random(seed).Shuffle(rows);
        return (rows.Skip(heldOut).ToList(), rows.Take(heldOut).ToList());
    }
}
