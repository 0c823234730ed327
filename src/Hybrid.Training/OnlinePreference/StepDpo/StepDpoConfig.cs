// Settings of Step-DPO training on step pairs: the update settings and the seed.
using Hybrid.Training.Loop;

namespace Hybrid.Training.OnlinePreference.StepDpo;

/// <summary>
/// Step-DPO (Lai et al. 2024, arXiv 2406.18629): DPO on (x; s_&lt;k, s_win, s_lose) with π_ref the model before
/// training. The paper reports ~10K pairs and fewer than 500 steps; β is tuned per model there (default here: TRL's 0.1).
/// Immutable; <see cref="Validate"/> names the field.
/// </summary>
public sealed record StepDpoConfig : RunSettings
{
    /// <summary>Loss ("sigmoid"), β, optimizer, batch size and epochs over the pairs.</summary>
    public PairUpdateConfig Update { get; init; } = new();

    /// <summary>Seed of the mini-batch order. Default 42.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Folder for metrics.jsonl (one line per epoch); null = no file.</summary>
    public string? OutputDir { get; init; }

    public StepDpoConfig Validate()
    {
        Require(Update is not null, nameof(Update), "null", "give the update settings");
        Update!.Validate($"{nameof(StepDpoConfig)}.{nameof(Update)}");
        return this;
    }
}
