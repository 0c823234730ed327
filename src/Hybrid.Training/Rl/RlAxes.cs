// The algorithm of an RL run resolved from a preset: one instance per axis, looked up by name once, never in the loop.
using Hybrid.Algorithms.Rl;

namespace Hybrid.Training.Rl;

/// <summary>
/// What the loop calls, built from an <see cref="RlPreset"/> by <see cref="FromPreset(RlPreset)"/>: advantage estimator ×
/// policy loss × aggregation × KL (estimator, placement, controller), the batch filters, the shaping switches (DAPO
/// overlong punishment/masking, GRPO-λ, GHPO hints) and the rollout/trainer mismatch corrections. The preset's plain
/// numbers (clip ranges, γ, λ, epochs, value settings) are read from <see cref="Preset"/>.
/// </summary>
public sealed record RlAxes
{
    public required RlPreset Preset { get; init; }
    public required IAdvantageEstimator Advantage { get; init; }
    public required IPolicyLoss PolicyLoss { get; init; }
    public required ILossAggregation Aggregation { get; init; }

    /// <summary>KL estimator and coefficient; null when the preset places no KL.</summary>
    public IKlEstimator? Kl { get; init; }
    public IKlController? KlCoefficient { get; init; }
    public IReadOnlyList<IGroupFilter> Filters { get; init; } = [];
    public OverlongPunishment? Overlong { get; init; }
    public GrpoLambdaShaping? GrpoLambda { get; init; }
    public GhpoHints? Ghpo { get; init; }
    public TruncatedImportanceSampling? TruncatedIs { get; init; }
    public SequenceMismatchMask? SequenceMask { get; init; }

    public string PresetName => Preset.Name;
    public KlPlacement KlPlacement => Preset.KlPlacement;
    public int GroupSize => Preset.GroupSize;
    public double Temperature => Preset.Temperature;
    public int Epochs => Preset.UpdateEpochs;
    public int MiniBatches => Preset.MiniBatches;
    public double EntropyCoefficient => Preset.EntropyCoefficient;
    public bool MaskTruncated => Preset.OverlongMasking;
    public double ValueCoefficient => Preset.ValueCoefficient;
    public double? ValueClip => Preset.ValueClip;
    public bool NeedsCritic => Advantage.NeedsCritic;
    public bool NeedsReference => KlPlacement != KlPlacement.None || PolicyLoss.NeedsReference;

    /// <summary>DAPO dynamic sampling: keep generating until the batch is full of kept groups (bounded by RlConfig.MaxGenerationRounds).</summary>
    public bool RefillFilteredGroups => Preset.Filters.Count > 0;

    /// <summary>The preset names <see cref="FromPreset(string, int?)"/> knows.</summary>
    public static IReadOnlyList<string> PresetNames => RlPresets.Registry.Names;

    /// <summary>The named preset with group size <paramref name="groupSize"/> (null: the preset's own), fitted to the response budget.</summary>
    public static RlAxes FromPreset(string name, int? groupSize = null, int? maxNewTokens = null) =>
        FromPreset(FitToBudget(RlPresets.Create(name, groupSize), maxNewTokens));

    /// <summary>
    /// DAPO's overlong window is defined against the generation budget (L_max = 20480, L_cache = 4096 in the paper): with a
    /// smaller budget, L_max becomes the budget and L_cache keeps the paper's ratio (⌈0.2·L_max⌉).
    /// </summary>
    public static RlPreset FitToBudget(RlPreset preset, int? maxNewTokens) =>
        maxNewTokens is int max && preset.OverlongMaxLength is int lmax && lmax > max
            ? preset with { OverlongMaxLength = max, OverlongCacheLength = Math.Max(1, (int)Math.Ceiling(max * (double)preset.OverlongCacheLength!.Value / lmax)) }
            : preset;

    public static RlAxes FromPreset(RlPreset preset)
    {
        preset = preset.Validate();
        bool kl = preset.KlPlacement != KlPlacement.None;
        IPolicyLoss policyLoss = preset.CreatePolicyLoss();
        return new RlAxes
        {
            Preset = preset,
            Advantage = preset.CreateAdvantageEstimator(),
            PolicyLoss = policyLoss,
            Aggregation = preset.CreateAggregation(),
            Kl = kl ? preset.CreateKlEstimator() : null,
            KlCoefficient = kl || preset.GvpoBeta is null && policyLoss.TakesBeta ? preset.CreateKlController() : null,
            Filters = preset.CreateFilters(),
            Overlong = preset.CreateOverlongPunishment(),
            GrpoLambda = preset.GrpoLambdaFraction is double f ? new GrpoLambdaShaping(f) : null,
            Ghpo = preset.GhpoHints ? new GhpoHints() : null,
            TruncatedIs = preset.TisCap is double cap ? new TruncatedImportanceSampling(cap) : null,
            SequenceMask = preset.SequenceMismatchThreshold is double t ? new SequenceMismatchMask(threshold: t) : null,
        };
    }
}
