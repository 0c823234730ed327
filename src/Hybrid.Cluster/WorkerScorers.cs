// A worker's reward models for distributed scoring: sets of exported folders received by hash, opened once, kept by id.
using Hybrid.Onnx;
using Hybrid.Rollout.Scoring;

namespace Hybrid.Cluster;

/// <summary>
/// One per worker process. Files of a set arrive in <c>{root}/scorers/{set}/{member}/</c>; <see cref="Install"/> checks
/// them against the manifest and opens the set as one <see cref="IRewardScorer"/> (an ensemble when it has several members).
/// </summary>
public sealed class WorkerScorers(string root, OnnxDevice device) : IDisposable
{
    private readonly Dictionary<string, IRewardScorer> _sets = [];
    private readonly Lock _lock = new();

    public bool Has(string setId)
    {
        lock (_lock) return _sets.ContainsKey(setId);
    }

    public void Receive(string setId, int member, string file, long offset, byte[] data) =>
        StagedFile.Write(Path.Combine(MemberDir(setId, member), StagedFile.PlainName(file)), offset, data);

    public void Install(ScorerManifest manifest)
    {
        var dirs = new List<string>();
        for (int m = 0; m < manifest.Members.Length; m++)
        {
            string dir = MemberDir(manifest.SetId, m);
            foreach (VersionFile f in manifest.Members[m])
                StagedFile.Check(Path.Combine(dir, StagedFile.PlainName(f.Name)), f, $"scorer set {manifest.SetId}, member {m}");
            dirs.Add(dir);
        }
        var options = new RewardScorerOptions
        {
            BatchSize = manifest.BatchSize, IntraOpThreads = manifest.IntraOpThreads, MaxLength = manifest.MaxLength, Device = device,
        }.Validate();
        IRewardScorer scorer = RewardEnsemble.Open(dirs, options);
        lock (_lock)
        {
            if (_sets.Remove(manifest.SetId, out IRewardScorer? old)) old.Dispose();
            _sets[manifest.SetId] = scorer;
        }
    }

    public ScoreShard Score(string setId, string[] texts, int firstIndex)
    {
        IRewardScorer scorer;
        lock (_lock)
            if (!_sets.TryGetValue(setId, out scorer!)) throw new InvalidOperationException($"this worker holds no scorer set {setId}");
        RewardScores scores = scorer.Score(texts, describe: i => $"text {firstIndex + i}");
        return new ScoreShard(scores.Scores, scores.TruncatedRows, scores.Tokens, scores.PaddedTokens);
    }

    private string MemberDir(string setId, int member) => Path.Combine(root, "scorers", StagedFile.PlainName(setId), member.ToString());

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (IRewardScorer s in _sets.Values) s.Dispose();
            _sets.Clear();
        }
    }
}
