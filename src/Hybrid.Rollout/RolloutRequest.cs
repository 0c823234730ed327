// What to sample: prompts, how many samples of each (G), and the decoding settings.
using Hybrid.Models.Generation;

namespace Hybrid.Rollout;

/// <summary>
/// A batch of prompts (token ids, any lengths) and G = <see cref="SamplesPerPrompt"/> samples of each, as GRPO-style
/// algorithms need. Checked when set; errors name the field.
/// </summary>
public sealed record RolloutRequest
{
    private readonly IReadOnlyList<int[]> _prompts = [];
    private readonly int _samplesPerPrompt = 1;

    /// <summary>The prompts, each a non-empty array of token ids (no padding).</summary>
    public required IReadOnlyList<int[]> Prompts
    {
        get => _prompts;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(Prompts));
            for (int i = 0; i < value.Count; i++)
            {
                if (value[i] is not { Length: > 0 })
                    throw new ArgumentException($"RolloutRequest.Prompts[{i}] is empty or null: every prompt needs at least one token.", nameof(Prompts));
            }
            _prompts = value.Select(p => p.ToArray()).ToArray();
        }
    }

    /// <summary>G: samples drawn per prompt (GRPO's group size, e.g. 8–16). Default 1. Must be ≥ 1.</summary>
    public int SamplesPerPrompt
    {
        get => _samplesPerPrompt;
        init => _samplesPerPrompt = value >= 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(SamplesPerPrompt), value, $"RolloutRequest.SamplesPerPrompt = {value}: must be >= 1.");
    }

    /// <summary>Decoding settings (temperature, top-k, top-p, seed, max new tokens, stop ids).</summary>
    public required SamplingParams Sampling { get; init; }
}
