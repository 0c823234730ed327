// The size an RL iteration implies, checked before anything is allocated: G and the memory its rollouts need.
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using System.Text;
using Hybrid.Models.Config;

namespace Hybrid.Training.Rl;

/// <summary>
/// An RL iteration generates <c>N = prompts_per_iteration × G</c> sequences of up to <c>T = prompt + max_new_tokens</c>
/// tokens, and both the rollout engine and the trainer hold per-token state for all of them: at least the KV cache
/// (<c>layers × 2 × kv_heads × head_dim</c> floats per token) and one row of logits (<c>vocab</c> floats) per token. The
/// estimate <c>N × T × (2·L·Hkv·D + V) × 4</c> bytes is a floor of what the iteration needs; a request over half of the
/// machine's memory is refused with the figures, instead of growing until the process is killed.
/// </summary>
public static class RolloutBudget
{
    /// <summary>Largest G accepted: GRPO and DAPO use 8–64 samples per prompt; far beyond that, a group is a sampling bug.</summary>
    public const int MaxGroupSize = 1024;

    /// <summary>
    /// Checks G against <see cref="MaxGroupSize"/> and the iteration's memory floor against half of the machine's memory.
    /// <paramref name="prompts"/> bound the prompt length (a byte-level BPE token covers at least one UTF-8 byte).
    /// </summary>
    public static void Check(DecoderConfig model, int promptsPerIteration, int groupSize, int maxNewTokens, IEnumerable<PromptRow> prompts)
    {
        if (groupSize is < 1 or > MaxGroupSize)
            throw new ArgumentException($"--group-size {groupSize}: must be in [1, {MaxGroupSize}] (GRPO uses 8–64 samples per prompt)");
        long promptTokens = Math.Min(prompts.Select(p => (long)Encoding.UTF8.GetByteCount(p.Prompt)).DefaultIfEmpty(1).Max(), model.MaxPositionEmbeddings);
        long tokens = Math.Min(promptTokens + maxNewTokens, model.MaxPositionEmbeddings);
        long sequences = (long)promptsPerIteration * groupSize;
        long perToken = 2L * model.NumHiddenLayers * model.NumKeyValueHeads * model.HeadDim + model.VocabSize;
        double bytes = (double)sequences * tokens * perToken * 4;
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available / 2.0)
            throw new ArgumentException($"--group-size {groupSize} × --prompts-per-iteration {promptsPerIteration} = {sequences:N0} sequences of up to {tokens} tokens " +
                                        $"need at least {bytes / (1L << 30):F1} GiB (KV cache and logits), more than half of this machine's " +
                                        $"{available / (double)(1L << 30):F1} GiB; lower --group-size, --prompts-per-iteration or --max-new-tokens");
    }
}
