// How the next token is chosen: greedy, or sampled after temperature → top-k → top-p, with a seed, a length cap and stop ids.

namespace Hybrid.Models.Generation;

/// <summary>
/// Decoding settings shared by the trainer's sampler (<c>KvCacheSampler</c>) and the rollout engine, with ONNX Runtime
/// GenAI's semantics so that both draw from the same distribution (<see cref="SamplingReference"/> spells it out):
/// greedy when <see cref="DoSample"/> is false, <see cref="Temperature"/> is 0 or <see cref="TopK"/> is 1; otherwise the
/// <see cref="TopK"/> largest logits, divided by <see cref="Temperature"/>, softmaxed, cut to the nucleus of mass
/// <see cref="TopP"/>, renormalised. Every property is checked when set; errors name the field, the value and the fix.
/// </summary>
public sealed record SamplingParams
{
    private readonly double _temperature = 1.0, _topP = 1.0;
    private readonly int _topK, _maxNewTokens = 64;
    private readonly IReadOnlyList<int> _stopTokenIds = [];

    /// <summary>Sample (true, the RL default: rollouts must explore) or take the argmax (false). Default true.</summary>
    public bool DoSample { get; init; } = true;

    /// <summary>
    /// Divides the logits before the softmax; default 1.0 (the policy's own distribution, what on-policy RL such as
    /// GRPO/PPO assumes). 0 means greedy. Must be finite and ≥ 0.
    /// </summary>
    public double Temperature
    {
        get => _temperature;
        init => _temperature = Require(value, value >= 0 && double.IsFinite(value), nameof(Temperature), "must be a finite number >= 0 (0 = greedy)");
    }

    /// <summary>Keep only the k largest logits; default 0 = off (the whole vocabulary). 1 means greedy. Must be ≥ 0.</summary>
    public int TopK
    {
        get => _topK;
        init => _topK = Require(value, value >= 0, nameof(TopK), "must be >= 0 (0 = off)");
    }

    /// <summary>
    /// Nucleus mass (Holtzman et al. 2020): keep the most likely tokens until their probability reaches p (the token that
    /// crosses p is kept); default 1.0 = off. Must be in (0, 1].
    /// </summary>
    public double TopP
    {
        get => _topP;
        init => _topP = Require(value, value > 0 && value <= 1, nameof(TopP), "must be in (0, 1] (1 = off)");
    }

    /// <summary>Seed of the sampler; the same seed, prompts and weights give the same samples. Null: not seeded.</summary>
    public long? Seed { get; init; }

    /// <summary>Most tokens generated per sequence (the stop token included); default 64. Must be ≥ 1.</summary>
    public int MaxNewTokens
    {
        get => _maxNewTokens;
        init => _maxNewTokens = Require(value, value >= 1, nameof(MaxNewTokens), "must be >= 1");
    }

    /// <summary>
    /// Ids that end a sequence with <see cref="FinishReason.Stop"/> (e.g. EOS, <c>&lt;|im_end|&gt;</c>). The stop token is
    /// part of the response (so its log-probability is trained). Default none. Ids must be ≥ 0.
    /// </summary>
    public IReadOnlyList<int> StopTokenIds
    {
        get => _stopTokenIds;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(StopTokenIds));
            foreach (int id in value) Require(id, id >= 0, nameof(StopTokenIds), "must hold token ids >= 0");
            _stopTokenIds = value.ToArray();
        }
    }

    /// <summary>True when decoding takes the argmax: no sampling, temperature 0 or top-k 1 (GenAI's rule).</summary>
    public bool IsGreedy => !DoSample || Temperature == 0 || TopK == 1;

    /// <summary>Greedy decoding of up to <paramref name="maxNewTokens"/> tokens stopping at <paramref name="stopTokenIds"/>.</summary>
    public static SamplingParams Greedy(int maxNewTokens, params int[] stopTokenIds) =>
        new() { DoSample = false, MaxNewTokens = maxNewTokens, StopTokenIds = stopTokenIds };

    /// <summary>Throws when <see cref="TopK"/> exceeds the vocabulary (GenAI throws too); call with the model's V.</summary>
    public void CheckVocabulary(long vocabSize)
    {
        if (TopK > vocabSize)
            throw new ArgumentException($"SamplingParams.TopK = {TopK} exceeds the vocabulary ({vocabSize} ids): use 0 (off) or a value <= {vocabSize}.", nameof(TopK));
        foreach (int id in StopTokenIds)
        {
            if (id >= vocabSize)
                throw new ArgumentException($"SamplingParams.StopTokenIds holds {id}, outside the vocabulary of {vocabSize} ids.", nameof(StopTokenIds));
        }
    }

    private static T Require<T>(T value, bool ok, string field, string rule) =>
        ok ? value : throw new ArgumentOutOfRangeException(field, value, $"SamplingParams.{field} = {value}: {rule}.");
}
