// Reward scoring spread over workers: the exported reward model(s) shipped once by hash, texts scored in shards, scores in input order.
using Hybrid.Rollout.Scoring;

namespace Hybrid.Cluster;

/// <summary>
/// An <see cref="IRewardScorer"/> whose texts are scored by the cluster's workers, so <c>ScoringJob</c> (and therefore
/// <c>hybrid score --cluster</c>) writes one output in input order exactly as in one process. Each worker receives the
/// model folders (checked by SHA-256) before its first shard; a worker that fails a shard is left out and its shard
/// scored by another, so every text is scored exactly once.
/// </summary>
public sealed class ClusterScorer : IRewardScorer
{
    /// <summary>Texts per shard: enough for full ORT batches, small enough that a lost worker costs little.</summary>
    public const int TextsPerShard = 128;

    private readonly ClusterDriver _driver;
    private readonly string[] _modelDirs;
    private readonly ScorerManifest _manifest;

    public ClusterScorer(ClusterDriver driver, IReadOnlyList<string> modelDirs, RewardScorerOptions options)
    {
        _driver = driver;
        _modelDirs = modelDirs.ToArray();
        VersionFile[][] members = _modelDirs.Select(dir =>
            Directory.GetFiles(dir).Select(f => Path.GetFileName(f)).Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal)
                .Select(n => ClusterDriver.Describe(dir, n)).ToArray()).ToArray();
        string setId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            string.Join("\n", members.Select(m => string.Join(",", m.Select(f => f.Name + ":" + f.Sha256)))) +
            $"\n{options.BatchSize},{options.IntraOpThreads},{options.MaxLength}")))[..16];
        _manifest = new ScorerManifest(setId, members, options.BatchSize, options.IntraOpThreads, options.MaxLength);
    }

    public RewardScores Score(IReadOnlyList<string> texts, Action<int>? progress = null, Func<int, string>? describe = null)
    {
        var scores = new float[texts.Count];
        int done = 0, truncated = 0;
        long tokens = 0, padded = 0;
        _driver.ServeShardsAsync(texts.Count, TextsPerShard, async (worker, shard) =>
        {
            IRolloutWorker grain = _driver.Worker(worker);
            if (!await grain.HasScorer(_manifest.SetId))
            {
                for (int m = 0; m < _modelDirs.Length; m++)
                    foreach (VersionFile f in _manifest.Members[m])
                        await ClusterDriver.SendAsync(Path.Combine(_modelDirs[m], f.Name), f.Length,
                            (offset, chunk) => grain.ReceiveScorerFile(_manifest.SetId, m, f.Name, offset, chunk));
                await grain.InstallScorer(_manifest);
            }
            ScoreShard result = await grain.Score(_manifest.SetId, shard.Select(i => texts[i]).ToArray(), shard[0]);
            if (result.Scores.Length != shard.Length)
                throw new InvalidDataException($"worker {worker} returned {result.Scores.Length} scores for {shard.Length} texts");
            for (int i = 0; i < shard.Length; i++) scores[shard[i]] = result.Scores[i];
            Interlocked.Add(ref truncated, result.TruncatedRows);
            Interlocked.Add(ref tokens, result.Tokens);
            Interlocked.Add(ref padded, result.PaddedTokens);
            progress?.Invoke(Interlocked.Add(ref done, shard.Length));
        }).GetAwaiter().GetResult();
        return new RewardScores(scores, truncated, tokens, padded);
    }

    /// <summary>The workers keep the set until they stop; nothing to release here.</summary>
    public void Dispose() { }
}
