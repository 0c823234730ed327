// One sequence the trainer's sampler produced: prompt, response tokens, their sampling log-probs, and why it ended.

namespace Hybrid.Models.Generation;

/// <summary>
/// A prompt and its sampled continuation. <see cref="LogProbs"/>[i] is log q(ResponseIds[i]) under the distribution the
/// token was drawn from (<see cref="SamplingReference"/>: temperature → top-k → top-p → renormalise; 0 for greedy, whose
/// distribution is a point mass).
/// </summary>
public sealed record GeneratedSequence
{
    /// <summary>[P] the prompt, without padding.</summary>
    public required int[] PromptIds { get; init; }

    /// <summary>[A] the generated tokens, the stop token included when <see cref="Finish"/> is Stop.</summary>
    public required int[] ResponseIds { get; init; }

    /// <summary>[A] log q(token) of each response token under the sampling distribution.</summary>
    public required float[] LogProbs { get; init; }

    /// <summary>Stop (a stop token ended it) or Length (the token budget did).</summary>
    public required FinishReason Finish { get; init; }
}
