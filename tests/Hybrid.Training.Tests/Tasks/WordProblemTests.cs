// The reasoning word problems: solutions recompute, the story says what the steps do, seeds reproduce, splits stay disjoint, rewards grade them.
using System.Globalization;
using System.Text.RegularExpressions;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rewards.Process;
using Hybrid.Models.Creation;
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Data;
using Hybrid.Training.Tasks.WordProblems;

namespace Hybrid.Training.Tests.Tasks;

public sealed partial class WordProblemTests
{
    private static readonly int[] AllLevels = Enumerable.Range(WordProblemGenerator.MinLevel, WordProblemGenerator.MaxLevel).ToArray();

    [Fact]
    public void EveryWorkedSolutionRecomputesChainsAndEndsInTheAnswer()
    {
        var verifier = new ArithmeticStepVerifier();
        foreach (int level in AllLevels)
            foreach (WordProblem p in WordProblemSets.Draw(WordProblemSplit.Train, level, 300, seed: 3))
            {
                Assert.Equal(level + 1, p.Steps.Count);
                string[] lines = p.Solution.Split('\n');
                Assert.Equal(level + 2, lines.Length);                                  // one line per step, then the answer line
                for (int i = 0; i < p.Steps.Count; i++)
                {
                    // Each line, read back as text, is an equation that holds (parsed by the step verifier's own evaluator).
                    Match m = StepLine().Match(lines[i]);
                    Assert.True(m.Success, lines[i]);
                    int a = int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), b = int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
                    int c = int.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture);
                    Assert.True(ArithmeticExpression.TryEvaluate($"{a}{m.Groups[2].Value}{b}", out double value));
                    Assert.Equal(c, value);
                    Assert.Equal(1.0, verifier.ScoreStep(lines[i]));
                    Assert.InRange(c, 1, WordProblemGenerator.MaxValue);
                    if (i > 0) Assert.Equal(p.Steps[i - 1].Result, a);                    // each step starts from the last result
                }
                Assert.Equal($"The answer is {p.Answer}.", lines[^1]);
                Assert.Equal(p.Steps[^1].Result, p.Answer);
                Assert.Equal(0.0, verifier.ScoreStep(lines[^1]));                         // the answer line has no equation: unchecked
            }
    }

    [Fact]
    public void TheStoryAloneGivesTheStepsAndTheAnswer()
    {
        // An independent reader of the text: the opening count, then one operation per sentence by its wording.
        foreach (int level in AllLevels)
            foreach (WordProblem p in WordProblemSets.Draw(WordProblemSplit.HeldOut, level, 200, seed: 4))
            {
                Assert.EndsWith(" have now?\n", p.Prompt);
                Assert.All(p.Prompt, ch => Assert.True(ch is '\n' || ch >= ' ' && ch <= '~', $"non-printable or non-ASCII '{ch}' in {p.Prompt}"));
                string[] sentences = p.Prompt.TrimEnd('\n').Split(". ");
                Match opening = Opening().Match(sentences[0]);
                Assert.True(opening.Success, sentences[0]);
                int value = int.Parse(opening.Groups[1].Value, CultureInfo.InvariantCulture);
                Assert.Equal(p.Steps[0].Left, value);
                Assert.Equal(level + 3, sentences.Length);                                // opening, L + 1 operations, question
                Assert.Matches(@"^How many [a-z]+ does [A-Z][a-z]+ have now\?$", sentences[^1]);
                for (int i = 1; i < sentences.Length - 1; i++)
                {
                    var (op, n) = Read(sentences[i]);
                    Assert.Equal((p.Steps[i - 1].Op, p.Steps[i - 1].Right), (op, n));
                    value = op switch { '+' => value + n, '-' => value - n, '*' => value * n, _ => value / n };
                }
                Assert.Equal(p.Answer, value);
                Assert.Equal(p.Key, Regex.Replace(p.Prompt, "[^0-9]", " ").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                    .Select((s, i) => i == 0 ? s : p.Steps[i - 1].Op + s).Aggregate("", string.Concat));
            }
    }

    private static (char Op, int N) Read(string sentence)
    {
        int n = int.Parse(Number().Match(sentence).Value, CultureInfo.InvariantCulture);
        if (Regex.IsMatch(sentence, @"(buys|finds) \d+ more|gives (him|her) \d+ more")) return ('+', n);
        if (Regex.IsMatch(sentence, @"gives \d+ to [A-Z]|loses \d+|sells \d+")) return ('-', n);
        if (sentence.Contains(" times as many", StringComparison.Ordinal)) return ('*', n);
        if (sentence.Contains(" equal piles and keeps one pile", StringComparison.Ordinal)) return ('/', n);
        throw new Xunit.Sdk.XunitException($"no operation in '{sentence}'");
    }

    [Fact]
    public void AWiderMaxValueBoundsEveryCountByItAndUsesTheRangeWhileTheDefaultIsTwenty()
    {
        foreach (int level in AllLevels)
        {
            IReadOnlyList<WordProblem> wide = WordProblemSets.Draw(WordProblemSplit.Train, level, 300, seed: 5, maxValue: 99);
            var counts = wide.SelectMany(p => p.Steps.SelectMany(s => new[] { s.Left, s.Result })).ToArray();
            Assert.All(counts, c => Assert.InRange(c, 1, 99));
            Assert.Contains(counts, c => c > 40);                                       // the wider range is reached, not just allowed
            // Not giving a max value is the same as giving 20: the same problems, in the same order.
            Assert.Equal(WordProblemSets.Draw(WordProblemSplit.Train, level, 50, seed: 5).Select(p => p.Solution),
                         WordProblemSets.Draw(WordProblemSplit.Train, level, 50, seed: 5, maxValue: 20).Select(p => p.Solution));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => WordProblemGenerator.Create(1, new Random(1), maxValue: WordProblemGenerator.MaxStart - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => WordProblemGenerator.Create(1, new Random(1), maxValue: WordProblemGenerator.MaxMaxValue + 1));
    }

    [Fact]
    public void TheSameSeedGivesTheSameProblemsAndAnotherSeedOthers()
    {
        WordProblemDataset a = WordProblemDataset.Create([1, 2, 3, 4], [1, 2], 50, 10, 20, seed: 9);
        WordProblemDataset b = WordProblemDataset.Create([1, 2, 3, 4], [1, 2], 50, 10, 20, seed: 9);
        WordProblemDataset c = WordProblemDataset.Create([1, 2, 3, 4], [1, 2], 50, 10, 20, seed: 10);
        Assert.Equal(a.Prompts.Select(WordProblemDataset.PromptLine), b.Prompts.Select(WordProblemDataset.PromptLine));
        Assert.Equal(a.Sft.Select(WordProblemDataset.SftLine), b.Sft.Select(WordProblemDataset.SftLine));
        Assert.Equal(a.HeldOut.Select(p => p.Prompt), b.HeldOut.Select(p => p.Prompt));
        Assert.Equal(a.Dev.Select(p => p.Prompt), b.Dev.Select(p => p.Prompt));
        Assert.NotEqual(a.Prompts.Select(p => p.Prompt), c.Prompts.Select(p => p.Prompt));

        Assert.Equal([50, 50, 50, 50], a.Prompts.CountBy(p => p.Level).OrderBy(kv => kv.Key).Select(kv => kv.Value));
        Assert.Equal([50, 50], a.Sft.CountBy(p => p.Level).OrderBy(kv => kv.Key).Select(kv => kv.Value));
        Assert.Equal([20, 20, 20, 20], a.HeldOut.CountBy(p => p.Level).OrderBy(kv => kv.Key).Select(kv => kv.Value));
        Assert.All(a.Sft, p => Assert.Equal(WordProblemSplit.Train, WordProblemSets.SplitOf(p.Key)));   // SFT rows are train problems
        Assert.Empty(a.Sft.Select(p => p.Key).Intersect(a.Prompts.Select(p => p.Key)));       // … that RL never sees as prompts
        // Fewer worked solutions than prompts: the solutions are the first ones of the full set, the prompts are unchanged
        // in number and still apart from every solution.
        WordProblemDataset few = WordProblemDataset.Create([1, 2, 3, 4], [1, 2], 50, 10, 20, seed: 9, sftTrain: 12);
        Assert.Equal([12, 12], few.Sft.CountBy(p => p.Level).OrderBy(kv => kv.Key).Select(kv => kv.Value));
        Assert.Equal([50, 50, 50, 50], few.Prompts.CountBy(p => p.Level).OrderBy(kv => kv.Key).Select(kv => kv.Value));
        Assert.Equal(a.Sft.Where(p => p.Level == 1).Take(12).Select(p => p.Key), few.Sft.Where(p => p.Level == 1).Select(p => p.Key));
        Assert.Empty(few.Sft.Select(p => p.Key).Intersect(few.Prompts.Select(p => p.Key)));
        Assert.Equal(a.HeldOut.Select(p => p.Key), few.HeldOut.Select(p => p.Key));
    }

    [Fact]
    public void TrainDevAndHeldOutShareNoProblemEvenAcrossSeeds()
    {
        WordProblemDataset a = WordProblemDataset.Create([1, 2, 3, 4], [1, 2], 1000, 100, 200, seed: 1);
        WordProblemDataset other = WordProblemDataset.Create([1, 2, 3, 4], [1, 2], 1000, 100, 200, seed: 2);
        var train = a.Prompts.Concat(a.Sft).Concat(other.Prompts).Concat(other.Sft).Select(p => p.Key).ToHashSet();
        var dev = a.Dev.Concat(other.Dev).Select(p => p.Key).ToHashSet();
        var heldOut = a.HeldOut.Concat(other.HeldOut).Select(p => p.Key).ToHashSet();
        Assert.Empty(train.Intersect(heldOut));
        Assert.Empty(train.Intersect(dev));
        Assert.Empty(dev.Intersect(heldOut));
        Assert.Equal(a.Prompts.Count, a.Prompts.Select(p => p.Key).Distinct().Count());   // no repeats within a set either
        Assert.Equal(a.HeldOut.Count, a.HeldOut.Select(p => p.Key).Distinct().Count());
        Assert.All(a.HeldOut, p => Assert.Equal(WordProblemSplit.HeldOut, WordProblemSets.SplitOf(p.Key)));
        // The split is a fixed function of the key, and the same text of numbers always has the same split.
        Assert.Equal(WordProblemSets.SplitOf("7+5-3"), WordProblemSets.SplitOf("7+5-3"));
    }

    [Fact]
    public void AskingForMoreProblemsThanALevelHasIsOneClearError()
    {
        var e = Assert.Throws<WordProblemShortageException>(() => WordProblemSets.Draw(WordProblemSplit.HeldOut, 1, 2000, seed: 1));
        Assert.Equal(WordProblemSplit.HeldOut, e.Split);
        Assert.StartsWith("level 1 has too few distinct heldout problems for 2000: ", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => WordProblemGenerator.Create(WordProblemGenerator.MaxLevel + 1, new Random(1)));
        Assert.Throws<ArgumentException>(() => WordProblemDataset.Create([1, 2], [3], 10, 0, 10, seed: 1));
    }

    [Fact]
    public void TheWrittenFilesReadBackAndTheAccuracyRewardsGradeTheReferenceOneAndAWrongAnswerZero()
    {
        string dir = Directory.CreateTempSubdirectory("hybrid-wordproblems-").FullName;
        try
        {
            WordProblemDataset data = WordProblemDataset.Create([1, 2, 3, 4], [1, 2], 20, 5, 10, seed: 2);
            IReadOnlyList<string> files = data.Write(dir);
            Assert.Equal(WordProblemDataset.FileNames.Select(f => Path.Combine(dir, f)), files);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));

            IReadOnlyList<SftExample> sft = SftDatasetReader.Read(Path.Combine(dir, "sft.jsonl"));
            Assert.Equal(data.Sft.Select(p => (p.Prompt, p.Solution)), sft.Select(e => (e.Prompt!, e.Completion!)));
            IReadOnlyList<PromptRow> heldOut = PromptDatasetReader.Read(Path.Combine(dir, "heldout.jsonl"));
            Assert.Equal(data.HeldOut.Select(p => p.Prompt), heldOut.Select(r => r.Prompt));
            Assert.Equal(data.HeldOut.Select(p => p.Level.ToString(CultureInfo.InvariantCulture)), heldOut.Select(r => r.Columns["level"]));

            foreach (string name in new[] { "accuracy", "accuracy_last_number" })
            {
                IRewardFunction reward = RuleRewards.Registry.Create(name);
                var right = heldOut.Select(r => new RewardSample(r.Prompt, r.Columns["solution"], r.Columns)).ToList();
                var wrong = heldOut.Select(r => new RewardSample(r.Prompt,
                    r.Columns["solution"].Replace($"The answer is {r.Columns["answer"]}.", $"The answer is {int.Parse(r.Columns["answer"], CultureInfo.InvariantCulture) + 1}."),
                    r.Columns)).ToList();
                Assert.All(reward.Score(right).Scores, s => Assert.Equal(1.0, s));
                Assert.All(reward.Score(wrong).Scores, s => Assert.Equal(0.0, s));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void EveryProblemRoundTripsThroughTheSmallPresetsTokenizerAndFitsItsContext()
    {
        string dir = Directory.CreateTempSubdirectory("hybrid-wordproblems-small-").FullName;
        try
        {
            CreatedModel small = ModelFactory.Create(ModelRecipe.Load(Path.Combine(RepositoryRoot(), "models", "small.json")), Path.Combine(dir, "small"), seed: 0);
            using Tokenizer tokenizer = Tokenizer.Open(small.Directory);
            int longest = 0;
            foreach (int level in AllLevels)
                foreach (WordProblem p in WordProblemSets.Draw(WordProblemSplit.Train, level, 100, seed: 5))
                {
                    Assert.Equal(p.Prompt, tokenizer.Decode(tokenizer.Encode(p.Prompt)));
                    Assert.Equal(p.Solution, tokenizer.Decode(tokenizer.Encode(p.Solution)));
                    longest = Math.Max(longest, tokenizer.Encode(p.Prompt).Length + tokenizer.Encode(p.Solution).Length + 1);   // + EOS
                }
            Assert.InRange(longest, 20, 256);                                            // a quarter of small's 1,024 positions at most
            Assert.Equal(1024, small.Config.MaxPositionEmbeddings);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hybrid.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Hybrid.sln above {AppContext.BaseDirectory}");
    }

    [GeneratedRegex(@"^(\d+) ([-+*/]) (\d+) = (\d+)$")]
    private static partial Regex StepLine();

    [GeneratedRegex(@"^[A-Z][a-z]+ has (\d+) [a-z]+$")]
    private static partial Regex Opening();

    [GeneratedRegex(@"\d+")]
    private static partial Regex Number();
}
