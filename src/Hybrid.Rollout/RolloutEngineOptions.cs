// Settings of a RolloutEngine that do not change per request.
using Hybrid.Onnx;
using Hybrid.Onnx.GenAI;

namespace Hybrid.Rollout;

/// <summary>Engine-wide settings; checked when set (and against each other when the engine starts), errors name the field, the value and the fix.</summary>
public sealed record RolloutEngineOptions
{
    /// <summary>The Ort backend's default <see cref="MaxBatchSize"/>: one batch holds any request of up to 256 rows.</summary>
    public const int OrtDefaultMaxBatchSize = 256;

    private readonly int? _maxBatchSize;
    private readonly int _parallelChunks = 1;
    private readonly int? _intraOpThreads;
    private readonly long _prefillLogitsBytes = 64L << 20;

    /// <summary>
    /// Which runtime decodes (the same folder either way). Default <see cref="RolloutBackend.Ort"/>, the faster of the two
    /// at every batch size measured (see <see cref="RolloutBackend.Ort"/>); <see cref="RolloutBackend.GenAI"/> runs the
    /// folder exactly as a deployment does.
    /// </summary>
    public RolloutBackend Backend { get; init; } = RolloutBackend.Ort;

    /// <summary>
    /// Most rows (prompt × sample pairs) decoded as one batch; larger requests run in chunks of this many rows (a seeded
    /// request seeds chunk c with seed + c, so the chunking is part of what a seed reproduces). Default: 256 on Ort (one
    /// batch with every core beat 2 × 32 rows on one core each, 878 vs 815 tok/s at 64 prompts), 32 on GenAI, whose
    /// generators refuse more. Must be ≥ 1, and ≤ 32 with GenAI.
    /// </summary>
    public int MaxBatchSize
    {
        get => _maxBatchSize ?? (Backend == RolloutBackend.GenAI ? GenAIGenerator.MaxBatchSize : OrtDefaultMaxBatchSize);
        init => _maxBatchSize = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(MaxBatchSize), value, $"RolloutEngineOptions.MaxBatchSize = {value}: must be >= 1.");
    }

    /// <summary>
    /// Most chunks of one request decoding at the same time, each on its own thread (results do not depend on it).
    /// Default 1: each chunk gets every core through <see cref="IntraOpThreads"/>, so a request of any size keeps all
    /// cores busy (with 2 chunks at once on one core each, a 1- or 8-prompt request left a core idle: 43 / 206 tok/s
    /// against 65 / 326 with both cores on one GenAI chunk). GenAI's 64-prompt requests run faster as 2 chunks at once on
    /// one core each (811 vs 653 tok/s): set 2 (and <see cref="IntraOpThreads"/> 1) for large GenAI batches.
    /// </summary>
    public int ParallelChunks
    {
        get => _parallelChunks;
        init => _parallelChunks = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(ParallelChunks), value, $"RolloutEngineOptions.ParallelChunks = {value}: must be >= 1.");
    }

    /// <summary>
    /// ONNX Runtime intra-op threads of the decoder session, both backends. Null (default): cores ÷
    /// <see cref="ParallelChunks"/> (at least 1), so the chunks decoding at once fill the cores without oversubscribing
    /// them (two 2-thread GenAI chunks at once on 2 cores measured 581 tok/s against 811 for two 1-thread ones). Must be
    /// ≥ 1 when set.
    /// </summary>
    public int? IntraOpThreads
    {
        get => _intraOpThreads;
        init => _intraOpThreads = value is null or >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(IntraOpThreads), value, $"RolloutEngineOptions.IntraOpThreads = {value}: must be >= 1 (or null for cores ÷ ParallelChunks).");
    }

    /// <summary>
    /// Where the decoder runs: <see cref="OnnxDevice.Cpu"/> (default) or CUDA (<c>cuda</c>, <c>cuda:N</c>; needs the GPU
    /// build, <c>-p:HybridGpu=true</c>, and for the GenAI backend GenAI's CUDA add-on). Overrides genai_config.json's providers.
    /// </summary>
    public OnnxDevice Device { get; init; }

    /// <summary>The intra-op threads either backend's session uses: <see cref="IntraOpThreads"/>, or cores ÷ <see cref="ParallelChunks"/>.</summary>
    public int SessionIntraOpThreads => IntraOpThreads ?? Math.Max(1, Environment.ProcessorCount / ParallelChunks);

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
        if (Backend == RolloutBackend.GenAI && MaxBatchSize > GenAIGenerator.MaxBatchSize)
            throw new ArgumentException($"RolloutEngineOptions.MaxBatchSize = {MaxBatchSize}: GenAI generators hold at most {GenAIGenerator.MaxBatchSize} rows; use <= {GenAIGenerator.MaxBatchSize} or Backend = Ort.", nameof(MaxBatchSize));
    }
}
