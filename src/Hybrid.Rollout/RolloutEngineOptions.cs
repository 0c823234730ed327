// Settings of a RolloutEngine that do not change per request.
using Hybrid.Onnx;
using Hybrid.Onnx.GenAI;

namespace Hybrid.Rollout;

/// <summary>Engine-wide settings; checked when set (and against each other when the engine starts), errors name the field, the value and the fix.</summary>
public sealed record RolloutEngineOptions
{
    /// <summary>GenAI's cap on the rows of one generator (<see cref="GenAIGenerator.MaxBatchSize"/>, 32 in 0.18).</summary>
    public const int GenAIMaxBatchSize = GenAIGenerator.MaxBatchSize;

    private readonly int _maxBatchSize = GenAIMaxBatchSize;
    private readonly int _parallelChunks = 2;
    private readonly int? _intraOpThreads;
    private readonly long _prefillLogitsBytes = 64L << 20;

    /// <summary>Which runtime decodes (the same folder either way). Default <see cref="RolloutBackend.GenAI"/>.</summary>
    public RolloutBackend Backend { get; init; } = RolloutBackend.GenAI;

    /// <summary>
    /// Most rows (prompt × sample pairs) decoded as one batch; larger requests run in chunks of this many rows. Default
    /// 32: GenAI generators refuse more ("batch_size (64) must be in [1, 32]"), and the Ort backend measured best on two
    /// cores at 2 × 32 rows, each on one thread (tools/bench rollout: batch 64 as 2 × 32 beat one 64-row batch on two
    /// threads, 1.0–1.3×). Must be ≥ 1, and ≤ 32 with GenAI.
    /// </summary>
    public int MaxBatchSize
    {
        get => _maxBatchSize;
        init => _maxBatchSize = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), value, $"RolloutEngineOptions.MaxBatchSize = {value}: must be >= 1.");
    }

    /// <summary>
    /// Most chunks of one request decoding at the same time, each on its own thread (results do not depend on it).
    /// Default 2: one generator keeps about one core busy (greedy GenAI decode of the small preset, 2 × 32 rows, 4.8k
    /// tok/s one chunk at a time vs 8.8k two at once); the Ort backend likewise.
    /// </summary>
    public int ParallelChunks
    {
        get => _parallelChunks;
        init => _parallelChunks = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(ParallelChunks), value, $"RolloutEngineOptions.ParallelChunks = {value}: must be >= 1.");
    }

    /// <summary>
    /// ONNX Runtime intra-op threads of the decoder session. Null (default): GenAI keeps its folder's session_options
    /// (ORT's default, one per core; forcing 1 with 2 chunks at once measured the same within noise); Ort uses
    /// cores ÷ <see cref="ParallelChunks"/> (at least 1), so the chunks decoding at once fill the cores without
    /// oversubscribing them. Must be ≥ 1 when set.
    /// </summary>
    public int? IntraOpThreads
    {
        get => _intraOpThreads;
        init => _intraOpThreads = value is null or >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), value, $"RolloutEngineOptions.IntraOpThreads = {value}: must be >= 1 (or null for the backend's default).");
    }

    /// <summary>
    /// Where the decoder runs: <see cref="OnnxDevice.Cpu"/> (default) or CUDA (<c>cuda</c>, <c>cuda:N</c>; needs the GPU
    /// build, <c>-p:HybridGpu=true</c>, and for the GenAI backend GenAI's CUDA add-on). Overrides genai_config.json's providers.
    /// </summary>
    public OnnxDevice Device { get; init; }

    /// <summary>The GenAI backend's intra-op threads override: <see cref="IntraOpThreads"/> (null keeps the folder's).</summary>
    internal int? GenAIIntraOpThreads => IntraOpThreads;

    /// <summary>The Ort backend's intra-op threads: <see cref="IntraOpThreads"/>, or cores ÷ <see cref="ParallelChunks"/>.</summary>
    internal int OrtIntraOpThreads => IntraOpThreads ?? Math.Max(1, Environment.ProcessorCount / ParallelChunks);

    /// <summary>
    /// Ort backend: most bytes of prompt logits ([rows, prompt length, V] float32) one prefill run may produce; the rows
    /// of a batch are prefilled in groups under it (the KV cache is still one batch). Default 64 MiB. Must be ≥ 1.
    /// </summary>
    public long PrefillLogitsBytes
    {
        get => _prefillLogitsBytes;
        init => _prefillLogitsBytes = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(PrefillLogitsBytes), value, $"RolloutEngineOptions.PrefillLogitsBytes = {value}: must be >= 1.");
    }

    /// <summary>Throws when settings contradict each other (called by the engine).</summary>
    internal void CheckCombination()
    {
        if (Backend == RolloutBackend.GenAI && MaxBatchSize > GenAIMaxBatchSize)
            throw new ArgumentException($"RolloutEngineOptions.MaxBatchSize = {MaxBatchSize}: GenAI generators hold at most {GenAIMaxBatchSize} rows; use <= {GenAIMaxBatchSize} or Backend = Ort.", nameof(MaxBatchSize));
    }
}
