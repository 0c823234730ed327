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

    public void Receive(string setId, int member, string file, long offset, byte[] data)
    {
        string path = Path.Combine(MemberDir(setId, member), PlainName(file));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
        if (offset < 0 || offset > stream.Length) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{file}: chunk at {offset} leaves a gap");
        stream.Position = offset;
        stream.Write(data);
    }

    public void Install(ScorerManifest manifest)
    {
        var dirs = new List<string>();
        for (int m = 0; m < manifest.Members.Length; m++)
        {
            string dir = MemberDir(manifest.SetId, m);
            foreach (VersionFile f in manifest.Members[m])
            {
                string path = Path.Combine(dir, PlainName(f.Name));
                long length = File.Exists(path) ? new FileInfo(path).Length : -1;
                if (length != f.Length || WorkerEngine.Sha256(path) != f.Sha256)
                    throw new InvalidDataException($"scorer set {manifest.SetId}: {f.Name} of member {m} does not match its manifest (length {length}, expected {f.Length})");
            }
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

    private string MemberDir(string setId, int member) => Path.Combine(root, "scorers", PlainName(setId), member.ToString());

    private static string PlainName(string name) =>
        !string.IsNullOrEmpty(name) && name == Path.GetFileName(name) && name is not "." and not ".." ? name : throw new ArgumentException($"'{name}' is not a plain file name");

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (IRewardScorer s in _sets.Values) s.Dispose();
            _sets.Clear();
        }
    }
}
