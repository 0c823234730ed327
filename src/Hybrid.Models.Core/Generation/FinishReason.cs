// Why a generated sequence ended.

namespace Hybrid.Models.Generation;

/// <summary>How a sampled sequence ended (the names of OpenAI's and vLLM's <c>finish_reason</c>).</summary>
public enum FinishReason
{
    /// <summary>A stop token was sampled; it is the last token of the response.</summary>
    Stop,

    /// <summary>The response reached <see cref="SamplingParams.MaxNewTokens"/> (or the context length) without a stop token.</summary>
    Length,
}
