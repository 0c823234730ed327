// Synthetic preference data: deterministic, held-out prompts disjoint, the oracles' orderings hold, texts fit both tokenizers.
using System.Text.RegularExpressions;
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Preference;
using Hybrid.Training.Synthetic;
using Hybrid.Training.Tests.Preference;

namespace Hybrid.Training.Tests.Synthetic;

[Collection("preference model")]
public sealed partial class SyntheticPreferenceDataTests(PreferenceModelFixture fixture)
{
    private static IEnumerable<string> Texts(SyntheticPreferenceSet set) =>
        set.Pairs.Concat(set.Unpaired).Concat(set.Rankings).SelectMany(r => r.Responses.Prepend(r.Prompt));

    [Theory]
    [InlineData(SyntheticTask.Arithmetic)]
    [InlineData(SyntheticTask.Concise)]
    [InlineData(SyntheticTask.Format)]
    public void TheSameSeedGivesTheSameRowsAndHeldOutPromptsNeverOccurInTraining(SyntheticTask task)
    {
        SyntheticSplit a = SyntheticPreferenceData.Generate(task, 60, 20, seed: 5, k: 4), b = SyntheticPreferenceData.Generate(task, 60, 20, seed: 5, k: 4);
        Assert.Equal(Texts(a.Train), Texts(b.Train));
        Assert.Equal(Texts(a.HeldOut), Texts(b.HeldOut));
        Assert.NotEqual(Texts(a.Train), Texts(SyntheticPreferenceData.Generate(task, 60, 20, seed: 6, k: 4).Train));

        Assert.Equal((60, 120, 60), (a.Train.Pairs.Count, a.Train.Unpaired.Count, a.Train.Rankings.Count));
        Assert.Equal((20, 40, 20), (a.HeldOut.Pairs.Count, a.HeldOut.Unpaired.Count, a.HeldOut.Rankings.Count));
        var trainPrompts = a.Train.Pairs.Select(p => p.Prompt).ToHashSet();
        Assert.DoesNotContain(a.HeldOut.Pairs, p => trainPrompts.Contains(p.Prompt));
        foreach (var (set, heldOut) in new[] { (a.Train, false), (a.HeldOut, true) })
            foreach (PreferenceExample p in set.Pairs)
            {
                Match m = Operands().Match(p.Prompt);
                Assert.Equal(heldOut, SyntheticPreferenceData.IsHeldOut(int.Parse(m.Groups[1].Value), int.Parse(m.Groups[2].Value)));
            }
    }

    [Theory]
    [InlineData(SyntheticTask.Arithmetic)]
    [InlineData(SyntheticTask.Concise)]
    [InlineData(SyntheticTask.Format)]
    public void EveryShapeAgreesWithTheOracle(SyntheticTask task)
    {
        SyntheticSplit split = SyntheticPreferenceData.Generate(task, 40, 10, seed: 8, k: 3);
        foreach (PreferenceExample pair in split.Train.Pairs)
        {
            Match m = Operands().Match(pair.Prompt);
            int sum = int.Parse(m.Groups[1].Value) + int.Parse(m.Groups[2].Value);
            Assert.True(pair.ChosenScore > pair.RejectedScore);
            Assert.True(pair.ChosenScore - pair.RejectedScore >= 1);   // ODPO's offset log(s_w − s_l) is ≥ 0
            switch (task)
            {
                case SyntheticTask.Arithmetic:
                    Assert.Equal($"{sum}", pair.Chosen);
                    int wrong = int.Parse(pair.Rejected);
                    Assert.NotEqual(sum, wrong);
                    Assert.Equal(10 - Math.Abs(wrong - sum), pair.RejectedScore);
                    break;
                case SyntheticTask.Concise:
                    Assert.Equal($"{sum}", pair.Chosen);
                    Assert.EndsWith($" {sum}", pair.Rejected);
                    Assert.True(pair.Rejected.Length > pair.Chosen.Length);
                    break;
                default:
                    Assert.Equal($"ans {sum};", pair.Chosen);
                    Assert.DoesNotMatch(@"^ans \d+;$", pair.Rejected);
                    Assert.Contains($"{sum}", pair.Rejected);
                    break;
            }
        }
        // Unpaired rows: each pair's chosen (desirable) then rejected (undesirable).
        for (int i = 0; i < split.Train.Pairs.Count; i++)
        {
            Assert.Equal((split.Train.Pairs[i].Chosen, true), (split.Train.Unpaired[2 * i].Completion, split.Train.Unpaired[2 * i].Label!.Value));
            Assert.Equal((split.Train.Pairs[i].Rejected, false), (split.Train.Unpaired[2 * i + 1].Completion, split.Train.Unpaired[2 * i + 1].Label!.Value));
        }
        // Rankings: K distinct responses, the pair's chosen answer holds the unique highest reward.
        for (int i = 0; i < split.Train.Rankings.Count; i++)
        {
            PreferenceExample ranking = split.Train.Rankings[i];
            Assert.Equal(3, ranking.Responses.Distinct().Count());
            double best = ranking.Rewards!.Max();
            Assert.Single(ranking.Rewards!, r => r == best);
            Assert.Equal(split.Train.Pairs[i].Chosen, ranking.Responses[ranking.Rewards!.ToList().IndexOf(best)]);
        }
    }

    [Fact]
    public void TextsFitTheTinyCharacterTokenizerAndRoundTripThroughByteLevelBpe()
    {
        using var bpe = Tokenizer.Open(fixture.ModelDir);
        Assert.True(bpe.IsByteLevel);
        foreach (SyntheticTask task in Enum.GetValues<SyntheticTask>())
        {
            SyntheticSplit split = SyntheticPreferenceData.Generate(task, 30, 10, seed: 1, k: 5);
            foreach (string text in Texts(split.Train).Concat(Texts(split.HeldOut)))
            {
                Assert.All(text, c => Assert.Contains(c, SyntheticPreferenceData.Alphabet));
                Assert.Equal(text.Length, TinyTask.Encode(text).Length);
                Assert.Equal(text, bpe.Decode(bpe.Encode(text)));
            }
        }
        Assert.Equal(TinyTask.Alphabet, SyntheticPreferenceData.Alphabet);
    }

    [Fact]
    public void ArgumentsOutOfRangeAreRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticPreferenceData.Generate(SyntheticTask.Format, 0, 1, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SyntheticPreferenceData.Generate(SyntheticTask.Format, 1, 1, seed: 1, k: 6));
    }

    [GeneratedRegex(@"(\d+)\+(\d+)=")]
    private static partial Regex Operands();
}
