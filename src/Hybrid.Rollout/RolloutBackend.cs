// Which runtime decodes the rollouts: ONNX Runtime GenAI generators, or the exported decoder driven directly on ONNX Runtime.

namespace Hybrid.Rollout;

/// <summary>
/// The runtime a <see cref="RolloutEngine"/> runs the exported decoder (the same GenAI folder either way) on. Both give
/// the same rollouts up to float rounding: the engine draws every token itself (<see cref="RowSampler"/>) from the
/// next-token logits the backend returns, so seeds, log-probs, stop tokens and weight syncs behave the same.
/// </summary>
public enum RolloutBackend
{
    /// <summary>
    /// ONNX Runtime GenAI generators (GenAI pads, keeps the KV cache and runs the model). GenAI 0.18 caps a generator at
    /// 32 rows (<c>batch_size (33) must be in [1, 32]</c>), so batches run as chunks of ≤ 32.
    /// </summary>
    GenAI,

    /// <summary>
    /// The folder's model.onnx on an ONNX Runtime <c>InferenceSession</c>, driven step by step over preallocated native
    /// buffers (ids, mask, positions, KV cache, logits) that ORT reads and writes in place: any batch size, no per-step
    /// allocation, no GenAI search bookkeeping. Supports both exports (Concat KV with position_ids, and
    /// GroupQueryAttention with a shared KV buffer), adapters (ORT LoRA adapters over overridable initializers) and
    /// re-export syncs. The default: one batch of up to 256 rows on all cores was the fastest setting measured at 1, 8 and
    /// 64 parallel prompts (88M Llama, 2 cores: 75 / 379 / 878 tok/s against GenAI's best 65 / 342 / 811, and ahead of
    /// llama.cpp at all three; <c>tools/bench decode</c>).
    /// </summary>
    Ort,
}
