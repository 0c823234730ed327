// Labelling: best-vs-worst pairing with ties skipped, rule and reward scores on rollouts, SPIN's pairs, config validation.
using Hybrid.Training.Online;
using Hybrid.Algorithms.Rewards;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Rollout.Scoring;
using Hybrid.Training.OnlinePreference;
using Hybrid.Training.OnlinePreference.Spin;

namespace Hybrid.Training.Tests.OnlinePreference;

public sealed class PairingTests
{
    [Fact]
    public void BestAndWorstOfEachGroupAreChosenAndTiesAreSkipped()
    {
        // Groups of 3: [0.2, 0.9, 0.1] → best 1, worst 2; [0.5, 0.5, 0.5] → tie, skipped; [1, 0, 1] → best 6 (first of the
        // two 1s), worst 7; [0, 0.3, 0.3] → best 10 (first 0.3), worst 9.
        double[] scores = [0.2, 0.9, 0.1, 0.5, 0.5, 0.5, 1, 0, 1, 0, 0.3, 0.3];
        List<GroupChoice> choices = BestWorstPairing.Choose(scores, 3);
        Assert.Equal([new GroupChoice(0, 1, 2), new GroupChoice(2, 6, 7), new GroupChoice(3, 10, 9)], choices);

        // A minimum gap of 0.5 also drops group 3 (gap 0.3) and keeps group 0 (gap 0.8) and group 2 (gap 1).
        Assert.Equal([0, 2], BestWorstPairing.Choose(scores, 3, minGap: 0.5).Select(c => c.Group));
        Assert.Throws<ArgumentOutOfRangeException>(() => BestWorstPairing.Choose(scores, 1));
        Assert.Throws<ArgumentException>(() => BestWorstPairing.Choose(scores, 5));
        Assert.Throws<ArgumentException>(() => BestWorstPairing.Choose([0.0, double.NaN], 2));
    }

    private static Hybrid.Rollout.Rollout Sample(int prompt, int sample, int[] promptIds, string response, bool stopped, long version) => new()
    {
        PromptIndex = prompt,
        SampleIndex = sample,
        PromptIds = promptIds,
        ResponseIds = [.. response.Select(c => (int)c), .. stopped ? new[] { 256 } : []],
        LogProbs = new float[response.Length + (stopped ? 1 : 0)],
        Finish = stopped ? FinishReason.Stop : FinishReason.Length,
        PolicyVersion = version,
    };

    private static string Decode(int[] ids) => new(ids.Where(i => i != 256).Select(i => (char)i).ToArray());

    [Fact]
    public void LabellingScoresDecodedAnswersPenalisesMissingEosAndPairsBestWithWorst()
    {
        int[] p0 = [1, 2], p1 = [3];
        var prompts = new List<OnlinePrompt>
        {
            new("2+2=", p0, new Dictionary<string, string> { ["answer"] = "4" }),
            new("1+2=", p1, new Dictionary<string, string> { ["answer"] = "3" }),
        };
        var batch = new RolloutBatch
        {
            SamplesPerPrompt = 3,
            PolicyVersion = 5,
            Samples =
            [
                Sample(0, 0, p0, "4", stopped: true, 5), Sample(0, 1, p0, "5", stopped: true, 5), Sample(0, 2, p0, "4", stopped: false, 5),
                Sample(1, 0, p1, "7", stopped: true, 5), Sample(1, 1, p1, "8", stopped: true, 5), Sample(1, 2, p1, "9", stopped: false, 5),
            ],
        };
        var exact = new FunctionReward("exact", s => s.Completion == s.Columns["answer"] ? 1 : 0);
        LabelledRollouts l = RolloutLabeling.Label(batch, prompts, exact, Decode, missingEosPenalty: 0.5);

        // Raw: [1, 0, 1, 0, 0, 0]; the two Length-finished samples (2 and 5) lose 0.5: [1, 0, 0.5, 0, 0, −0.5].
        Assert.Equal([1.0, 0, 1, 0, 0, 0], l.RawScores);
        Assert.Equal([1.0, 0, 0.5, 0, 0, -0.5], l.Scores);
        // Prompt 0: best 0 (score 1), worst 1 (0). Prompt 1: best 3 (first 0), worst 5 (−0.5).
        Assert.Equal(2, l.Pairs.Count);
        Assert.Equal(p0, l.Pairs[0].Prompt);
        Assert.Equal(batch.Samples[0].ResponseIds, l.Pairs[0].Chosen);
        Assert.Equal(batch.Samples[1].ResponseIds, l.Pairs[0].Rejected);
        Assert.Equal((1.0, 0.0), (l.Pairs[0].ChosenScore, l.Pairs[0].RejectedScore));
        Assert.Equal(batch.Samples[3].ResponseIds, l.Pairs[1].Chosen);
        Assert.Equal(batch.Samples[5].ResponseIds, l.Pairs[1].Rejected);
        // reward is the mean of the raw scores: 2/6; reward_std the sample std: two 1s and four 0s around 1/3 give
        // Σ(r − r̄)² = 2·(2/3)² + 4·(1/3)² = 4/3, so std = sqrt((4/3)/5) = sqrt(4/15) — the same estimator as RL's reward_std.
        Assert.Equal(2.0 / 6, l.Metrics["reward"], 12);
        Assert.Equal(Math.Sqrt(4.0 / 15), l.Metrics["reward_std"], 12);
        Assert.Equal(2.0 / 6, l.Metrics["completions/clipped_ratio"], 12);
        Assert.Equal(0, l.Metrics["pairs/skipped_ties"]);
        Assert.Equal((1.0 + 0.5) / 2, l.Metrics["pairs/score_gap"], 12);

        // Without the penalty prompt 1 ties (all 0) and gives no pair.
        LabelledRollouts plain = RolloutLabeling.Label(batch, prompts, exact, Decode);
        Assert.Single(plain.Pairs);
        Assert.Equal(1, plain.SkippedPrompts);
        Assert.Throws<ArgumentException>(() => RolloutLabeling.Label(batch, prompts.Take(1).ToList(), exact, Decode));
    }

    [Fact]
    public void FunctionRewardsMustBeFinite()
    {
        var bad = new FunctionReward("bad", _ => double.NaN);
        var e = Assert.Throws<InvalidOperationException>(() => bad.Score([new RewardSample("p", "c", new Dictionary<string, string>())]));
        Assert.Contains("bad", e.Message);
    }

    /// <summary>A stand-in reward model: the score of a text is its length; texts over 6 characters count as truncated.</summary>
    private sealed class LengthScorer : IRewardScorer
    {
        public List<string> Seen { get; } = [];

        public RewardScores Score(IReadOnlyList<string> texts, Action<int>? progress = null, Func<int, string>? describe = null)
        {
            Seen.AddRange(texts);
            return new RewardScores(texts.Select(t => (float)t.Length).ToArray(), texts.Count(t => t.Length > 6), texts.Sum(t => t.Length), 0);
        }

        public void Dispose() { }
    }

    [Fact]
    public void ARewardModelScoresPromptPlusCompletionInOneBatch()
    {
        var scorer = new LengthScorer();
        var reward = new RewardModelReward(scorer, "rm");
        var columns = new Dictionary<string, string>();
        RewardOutput output = reward.Score([new RewardSample("2+2=", "4", columns), new RewardSample("10+10=", "20", columns)]);
        Assert.Equal(["2+2=4", "10+10=20"], scorer.Seen);
        Assert.Equal([5.0, 8.0], output.Scores);
        Assert.Equal(1, output.Metrics!["truncated"]);
        // A custom rendering (e.g. a chat template) replaces the plain concatenation: "Q:2+2= A:4" has 10 characters.
        var chat = new RewardModelReward(scorer, "rm", s => $"Q:{s.Prompt} A:{s.Completion}");
        Assert.Equal([10.0], chat.Score([new RewardSample("2+2=", "4", columns)]).Scores);
    }

    [Fact]
    public void SpinPairsPutTheSftAnswerFirstAndDropOwnAnswersThatEqualIt()
    {
        int[] x0 = [10, 11], x1 = [12];
        var examples = new List<SpinExample> { new(x0, [.. "ab".Select(c => (int)c), 256], "row 0"), new(x1, [.. "cd".Select(c => (int)c), 256], "row 1") };
        var own = new RolloutBatch
        {
            SamplesPerPrompt = 2,
            PolicyVersion = 2,
            Samples = [Sample(0, 0, x0, "ab", true, 2), Sample(0, 1, x0, "zz", true, 2), Sample(1, 0, x1, "c", false, 2), Sample(1, 1, x1, "cd", true, 2)],
        };
        var (pairs, identical) = SpinPairs.Build(examples, own);
        Assert.Equal(2, identical);                          // sample 0 of row 0 and sample 1 of row 1 repeat the SFT answer
        Assert.Equal(2, pairs.Count);
        Assert.Equal((x0, examples[0].Target, own.Samples[1].ResponseIds), (pairs[0].Prompt, pairs[0].Chosen, pairs[0].Rejected));
        Assert.Equal((x1, examples[1].Target, own.Samples[2].ResponseIds), (pairs[1].Prompt, pairs[1].Chosen, pairs[1].Rejected));
        Assert.True(double.IsNaN(pairs[0].ChosenScore));

        var mismatched = own with { Samples = [.. own.Samples.Take(3), Sample(1, 1, x0, "q", true, 2)] };
        Assert.Throws<ArgumentException>(() => SpinPairs.Build(examples, mismatched));
    }
}
