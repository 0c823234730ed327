// One scoring job end to end: read every row, score them all, write the scored file — each phase timed.
using System.Diagnostics;

namespace Hybrid.Rollout.Scoring;

/// <summary>What a scoring job did.</summary>
/// <param name="Rows">Rows scored (= rows in the file).</param>
/// <param name="TruncatedRows">Rows longer than the max length, scored on their last tokens.</param>
/// <param name="Tokens">Real tokens run (over all ensemble members).</param>
/// <param name="PaddedTokens">Tokens run including padding.</param>
/// <param name="ReadSeconds">Reading and validating the file.</param>
/// <param name="ScoreSeconds">Tokenizing and running the model(s).</param>
/// <param name="WriteSeconds">Writing the output.</param>
public sealed record ScoringSummary(int Rows, int TruncatedRows, long Tokens, long PaddedTokens, double ReadSeconds, double ScoreSeconds, double WriteSeconds)
{
    /// <summary>Rows per second of the scoring phase.</summary>
    public double RowsPerSecond => Rows / Math.Max(ScoreSeconds, 1e-9);
}

/// <summary>
/// read (every row validated before anything runs) → score → write (atomic). A bad row fails the read with its file,
/// line/row and field, before the model runs and before any output exists.
/// </summary>
public static class ScoringJob
{
    /// <summary>
    /// Scores <paramref name="dataPath"/> into <paramref name="outPath"/> (same format, by extension).
    /// <paramref name="progress"/>(done, total) is called after each batch.
    /// </summary>
    public static ScoringSummary Run(string dataPath, string outPath, IRewardScorer scorer, Action<int, int>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        ScoringDataset data = Read(dataPath, outPath);
        return Run(data, outPath, scorer, progress) with { ReadSeconds = clock.Elapsed.TotalSeconds };
    }

    /// <summary>Checks that <paramref name="outPath"/> keeps the input's format and reads (validates) every row: all before a model is opened.</summary>
    public static ScoringDataset Read(string dataPath, string outPath)
    {
        ScoringFormat inputFormat = ScoringFormats.FromPath(dataPath);
        ScoringFormat outputFormat = ScoringFormats.FromPath(outPath);
        if (inputFormat != outputFormat)
            throw new ArgumentException($"--out {outPath}: the output keeps the input's format ({inputFormat}); give it the input's extension");
        return ScoringDataReader.Read(dataPath);
    }

    /// <summary>Scores rows already read by <see cref="Read"/> (ReadSeconds is 0 here) and writes them atomically.</summary>
    public static ScoringSummary Run(ScoringDataset data, string outPath, IRewardScorer scorer, Action<int, int>? progress = null)
    {
        var clock = Stopwatch.StartNew();
        int total = data.Rows.Count;
        string[] texts = data.Rows.Select(r => r.Text).ToArray();
        RewardScores result = scorer.Score(texts, progress is null ? null : done => progress(done, total), i => data.Rows[i].Source);
        double score = clock.Elapsed.TotalSeconds;

        clock.Restart();
        ScoredFileWriter.Write(outPath, data, result.Scores, ScoringFormats.FromPath(outPath));
        double write = clock.Elapsed.TotalSeconds;
        return new ScoringSummary(total, result.TruncatedRows, result.Tokens, result.PaddedTokens, 0, score, write);
    }
}
