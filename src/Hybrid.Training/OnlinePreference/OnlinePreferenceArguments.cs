// The settings online DPO and SPIN share: iterations, answers per prompt, decoding, the pair update, seed and output.
using Hybrid.Models.Generation;
using Hybrid.Training.Loop;

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// Declared and validated once for <see cref="OnlineDpoConfig"/> and <see cref="Spin.SpinConfig"/>; each sets its own
/// defaults in its constructor (the paper's or TRL's values, named there).
/// </summary>
public abstract record OnlinePreferenceArguments : RunSettings
{
    /// <summary>Sample → label → update → sync rounds (the config's default).</summary>
    public int Iterations { get; init; }

    /// <summary>Answers sampled per prompt in an iteration (the config's default).</summary>
    public int SamplesPerPrompt { get; init; }

    /// <summary>Decoding of the answers. Its Seed, when set, is offset by the iteration number so each iteration draws fresh samples reproducibly; when null, <see cref="Seed"/> is used.</summary>
    public SamplingParams Sampling { get; init; } = new();

    /// <summary>Loss, β, optimizer and passes of each iteration's update.</summary>
    public PairUpdateConfig Update { get; init; } = new();

    /// <summary>Seed of prompt order, mini-batch shuffling, and sampling when <see cref="Sampling"/> has none. Default 42.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Folder for metrics.jsonl (one line per iteration); null = no file.</summary>
    public string? OutputDir { get; init; }

    /// <summary>Checks the shared fields; <paramref name="minSamples"/> is the fewest answers per prompt the method can pair.</summary>
    protected void ValidateShared(int minSamples, string samplesFix)
    {
        Require(Iterations > 0, nameof(Iterations), Iterations, "must be > 0");
        Require(SamplesPerPrompt >= minSamples, nameof(SamplesPerPrompt), SamplesPerPrompt, samplesFix);
        Require(Sampling is not null, nameof(Sampling), "null", "give decoding settings (e.g. temperature 0.9, 64 new tokens)");
        Require(Update is not null, nameof(Update), "null", "give the update settings");
        Update!.Validate($"{GetType().Name}.{nameof(Update)}");
    }
}
