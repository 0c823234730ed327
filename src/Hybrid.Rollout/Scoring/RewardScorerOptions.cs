// How a reward scorer batches, truncates and threads: one immutable record with its defaults and validation.
using Hybrid.Onnx;

namespace Hybrid.Rollout.Scoring;

/// <summary>Settings of <see cref="OnnxRewardScorer"/> (and of each member of a <see cref="RewardEnsemble"/>).</summary>
public sealed record RewardScorerOptions
{
    /// <summary>
    /// Rows per ORT run (default 16). Rows are sorted by length first, so larger batches waste little on padding; on a
    /// 2-core CPU 8–32 is the useful range (bigger batches stop helping once the matmuls are compute-bound).
    /// </summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>
    /// ORT intra-op threads (default 0 = ORT's choice, one per physical core). Set 1 when several scorers or a trainer
    /// share the machine.
    /// </summary>
    public int IntraOpThreads { get; init; }

    /// <summary>
    /// Longest input in tokens (default null = the model's <c>max_position_embeddings</c> from its config.json). A longer
    /// row keeps its <b>last</b> MaxLength tokens (left truncation): the score is read at the last token, so the end of
    /// the response — what is judged — is kept and the start of the prompt is dropped. Truncated rows are counted in
    /// <see cref="RewardScores.TruncatedRows"/>.
    /// </summary>
    public int? MaxLength { get; init; }

    /// <summary>
    /// Where the score model runs: <see cref="OnnxDevice.Cpu"/> (default) or CUDA (<c>cuda</c>, <c>cuda:N</c>; needs the
    /// GPU build, <c>-p:HybridGpu=true</c>).
    /// </summary>
    public OnnxDevice Device { get; init; }

    /// <summary>Throws naming the field, the value and the fix.</summary>
    public RewardScorerOptions Validate()
    {
        if (BatchSize < 1) throw new ArgumentException($"RewardScorerOptions.BatchSize = {BatchSize}: must be ≥ 1 (try 16)");
        int maxThreads = 4 * Environment.ProcessorCount;
        if (IntraOpThreads < 0 || IntraOpThreads > maxThreads)
            throw new ArgumentException($"--threads {IntraOpThreads}: must be in [0, {maxThreads}] (0 = one per core; more than 4 per core only adds switching)");
        if (MaxLength is < 1) throw new ArgumentException($"RewardScorerOptions.MaxLength = {MaxLength}: must be ≥ 1, or null for the model's max_position_embeddings");
        return this;
    }
}
