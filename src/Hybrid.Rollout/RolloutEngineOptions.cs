// Settings of a RolloutEngine that do not change per request.
namespace Hybrid.Rollout;

/// <summary>Engine-wide settings; checked when set, errors name the field, the value and the fix.</summary>
public sealed record RolloutEngineOptions
{
    private readonly int _maxBatchSize = 32;
    private readonly int _parallelChunks = 2;

    /// <summary>
    /// Most sequences one GenAI generator decodes at once; larger requests run in chunks of this many rows (prompt × sample
    /// pairs). Default 32: GenAI 0.15.2 refused a generator of batch_size 64 (and 256) with "batch_size (64) must be in
    /// [1, 32]" on the 64-token-context test export, so larger batches run as several generators.
    /// </summary>
    public int MaxBatchSize
    {
        get => _maxBatchSize;
        init => _maxBatchSize = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), value, $"RolloutEngineOptions.MaxBatchSize = {value}: must be >= 1.");
    }

    /// <summary>
    /// Most chunks of one request decoding at the same time, each on its own thread and generator (results do not
    /// depend on it). Default 2: one generator keeps about one core busy (measured on 2 cores: greedy GenAI decode of the
    /// small preset, 2 × 32 rows, 4.8k tok/s one chunk at a time vs 8.8k two at once; sampled rollouts 4.5k vs 6.3k).
    /// </summary>
    public int ParallelChunks
    {
        get => _parallelChunks;
        init => _parallelChunks = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(ParallelChunks), value, $"RolloutEngineOptions.ParallelChunks = {value}: must be >= 1.");
    }
}
