// Several reward models scored one after another and averaged: a cheap guard against one model's blind spots.

namespace Hybrid.Rollout.Scoring;

/// <summary>
/// The mean score of K reward models, r(x) = (1/K) Σₖ rₖ(x) — the "reward model ensemble" of Coste et al. 2023
/// ("Reward Model Ensembles Help Mitigate Overoptimization"; their mean aggregation). Each member tokenizes with its own
/// folder's tokenizer, so members need not share a vocabulary. Members run one after another (each already uses every
/// core); progress counts member passes, reaching N once all K have finished.
/// </summary>
public sealed class RewardEnsemble : IRewardScorer
{
    private readonly IReadOnlyList<IRewardScorer> _members;

    /// <summary>Takes ownership of <paramref name="members"/> (at least one).</summary>
    public RewardEnsemble(IReadOnlyList<IRewardScorer> members)
    {
        if (members.Count == 0) throw new ArgumentException("a reward ensemble needs at least one model", nameof(members));
        _members = members;
    }

    /// <summary>Opens each folder with <paramref name="options"/>; on an error the ones already opened are closed.</summary>
    public static IRewardScorer Open(IReadOnlyList<string> modelDirs, RewardScorerOptions? options = null)
    {
        if (modelDirs.Count == 1) return OnnxRewardScorer.Open(modelDirs[0], options);
        var opened = new List<IRewardScorer>();
        try
        {
            foreach (string dir in modelDirs) opened.Add(OnnxRewardScorer.Open(dir, options));
            return new RewardEnsemble(opened);
        }
        catch
        {
            foreach (IRewardScorer s in opened) s.Dispose();
            throw;
        }
    }

    public int Count => _members.Count;

    public RewardScores Score(IReadOnlyList<string> texts, Action<int>? progress = null, Func<int, string>? describe = null)
    {
        int n = texts.Count, k = _members.Count;
        var sum = new double[n];                                           // [N] Σₖ rₖ in double, so the mean does not depend on K's rounding
        int truncated = 0;
        long tokens = 0, padded = 0;
        for (int m = 0; m < k; m++)
        {
            int before = m * n;
            RewardScores member = _members[m].Score(texts, progress is null ? null : done => progress((before + done) / k), describe);
            for (int i = 0; i < n; i++) sum[i] += member.Scores[i];
            truncated = Math.Max(truncated, member.TruncatedRows);
            tokens += member.Tokens;
            padded += member.PaddedTokens;
        }
        var mean = new float[n];                                           // [N]
        for (int i = 0; i < n; i++) mean[i] = (float)(sum[i] / k);
        return new RewardScores(mean, truncated, tokens, padded);
    }

    public void Dispose()
    {
        foreach (IRewardScorer m in _members) m.Dispose();
    }
}
