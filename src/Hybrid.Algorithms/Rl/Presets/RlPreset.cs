// One RL recipe as data: the choice on every axis plus the hyperparameters, validated, and the factories that build it.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// An RL recipe (grpo, dapo, ppo, …) as an immutable record: the name chosen on each axis and every hyperparameter the
/// trainer needs. Get one from <see cref="RlPresets"/>, override with <c>preset with { GroupSize = 8, KlCoefficient = 0.02 }</c>,
/// then <see cref="Validate"/> (the <c>Create*</c> factories validate too). Defaults here are neutral; the presets set
/// the papers' values.
/// </summary>
public sealed record RlPreset
{
    /// <summary>The recipe's name, for logs and errors.</summary>
    public required string Name { get; init; }

    /// <summary>Where the recipe's values come from (authors, year, arXiv id).</summary>
    public string Paper { get; init; } = "";

    // ---- axes -----------------------------------------------------------------------------------------------------------

    /// <summary>Advantage estimator (<see cref="AdvantageEstimators"/>). Default grpo.</summary>
    public string AdvantageEstimator { get; init; } = "grpo";

    /// <summary>Policy loss (<see cref="PolicyLosses"/>). Default ppo_clip.</summary>
    public string PolicyLoss { get; init; } = "ppo_clip";

    /// <summary>Loss aggregation (<see cref="LossAggregations"/>). Default token_mean (DAPO).</summary>
    public string Aggregation { get; init; } = "token_mean";

    /// <summary>Dr. GRPO's constant L for seq_mean_token_sum_norm (e.g. the max response length); null = the padded width.</summary>
    public double? AggregationLength { get; init; }

    // ---- KL ------------------------------------------------------------------------------------------------------------

    /// <summary>Per-token KL estimator (<see cref="KlEstimators"/>): k3 for GRPO's loss, k1 for the PPO/TRL reward. Default k3.</summary>
    public string KlEstimator { get; init; } = "k3";

    /// <summary>Where β·KL goes (<see cref="Rl.KlPlacement"/>). None removes the KL term (DAPO). Default None.</summary>
    public KlPlacement KlPlacement { get; init; } = KlPlacement.None;

    /// <summary>β (the initial β for the adaptive controller): GRPO 0.04, TRL PPO 0.2, REINFORCE++ 0.01. Must be 0 with KlPlacement None.</summary>
    public double KlCoefficient { get; init; }

    /// <summary>KL controller (<see cref="KlControllers"/>): fixed or adaptive. Default fixed.</summary>
    public string KlController { get; init; } = "fixed";

    /// <summary>Target KL of the adaptive controller (TRL: 6).</summary>
    public double KlTarget { get; init; } = 6.0;

    /// <summary>Horizon of the adaptive controller in samples (TRL: 10000).</summary>
    public long KlHorizon { get; init; } = 10_000;

    // ---- policy loss -------------------------------------------------------------------------------------------------

    /// <summary>ε_low (null = the loss's default: ppo_clip 0.2, gspo 3e-4, gmpo 0.4 in log space).</summary>
    public double? ClipLow { get; init; }

    /// <summary>ε_high (null = the loss's default; DAPO clip-higher 0.28).</summary>
    public double? ClipHigh { get; init; }

    /// <summary>Dual-clip c &gt; 1 for Â &lt; 0 (verl 3.0); null = off.</summary>
    public double? DualClip { get; init; }

    /// <summary>gvpo's β in R_θ = β·Σ log(π_θ/π_ref) (null = 0.1).</summary>
    public double? GvpoBeta { get; init; }

    /// <summary>Entropy bonus c₂: loss −= c₂·H (verl default 0; PPO 0–0.01).</summary>
    public double EntropyCoefficient { get; init; }

    // ---- critic (gae) --------------------------------------------------------------------------------------------------

    /// <summary>Value-loss coefficient c₁ (TRL vf_coef 0.1); must be &gt; 0 exactly when the estimator needs a critic.</summary>
    public double ValueCoefficient { get; init; }

    /// <summary>Value clipping range ε_v around the old values (TRL cliprange_value 0.2); null = unclipped MSE.</summary>
    public double? ValueClip { get; init; }

    // ---- advantages --------------------------------------------------------------------------------------------------

    /// <summary>γ (TRL 1).</summary>
    public double Gamma { get; init; } = AdvantageSettings.DefaultGamma;

    /// <summary>GAE λ (TRL 0.95).</summary>
    public double Lambda { get; init; } = AdvantageSettings.DefaultLambda;

    /// <summary>ε added to stds in normalisation (1e-6).</summary>
    public double AdvantageEpsilon { get; init; } = AdvantageSettings.DefaultEpsilon;

    /// <summary>Whiten advantages over the batch's masked tokens; null = the estimator's default (gae, reinforce_pp on).</summary>
    public bool? WhitenAdvantages { get; init; }

    // ---- sampling and batches ------------------------------------------------------------------------------------------

    /// <summary>G, responses per prompt. 0 = not chosen yet: the caller sets it (DeepSeekMath 64, DAPO 16, heuristic 6–8).</summary>
    public int GroupSize { get; init; }

    /// <summary>Sampling temperature (reasoning 0.8–1.0, dialogue 0.6–0.7; DAPO 1.0). Default 1.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>μ, optimisation passes over each rollout batch (GRPO 1, TRL PPO 4).</summary>
    public int UpdateEpochs { get; init; } = 1;

    /// <summary>Mini-batches per epoch (1 = the whole batch in one step).</summary>
    public int MiniBatches { get; init; } = 1;

    /// <summary>Batch filters (<see cref="GroupFilters"/>) applied to each prompt group.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];

    // ---- shaping ------------------------------------------------------------------------------------------------------

    /// <summary>DAPO soft overlong punishment L_max (20480); null = off. Set with <see cref="OverlongCacheLength"/>.</summary>
    public int? OverlongMaxLength { get; init; }

    /// <summary>DAPO L_cache (4096).</summary>
    public int? OverlongCacheLength { get; init; }

    /// <summary>Zero the loss mask of truncated responses (DAPO overlong filtering).</summary>
    public bool OverlongMasking { get; init; }

    /// <summary>GRPO-λ top fraction λ; null = off.</summary>
    public double? GrpoLambdaFraction { get; init; }

    /// <summary>GHPO: hint prompts whose whole group failed (<see cref="GhpoHints"/>).</summary>
    public bool GhpoHints { get; init; }

    // ---- rollout/trainer mismatch ----------------------------------------------------------------------------------------

    /// <summary>Token-level truncated-IS cap C (Yao et al. 2025: 2); null = off.</summary>
    public double? TisCap { get; init; }

    /// <summary>Drop responses whose mean |log π_old − log π_rollout| exceeds this (e.g. ln 2); null = off.</summary>
    public double? SequenceMismatchThreshold { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first bad field, its value and the fix; returns this.</summary>
    public RlPreset Validate()
    {
        Require(AdvantageEstimators.Registry.Contains(AdvantageEstimator), nameof(AdvantageEstimator), AdvantageEstimator, $"choose one of {string.Join(", ", AdvantageEstimators.Registry.Names)}");
        Require(PolicyLosses.Registry.Contains(PolicyLoss), nameof(PolicyLoss), PolicyLoss, $"choose one of {string.Join(", ", PolicyLosses.Registry.Names)}");
        Require(LossAggregations.Registry.Contains(Aggregation), nameof(Aggregation), Aggregation, $"choose one of {string.Join(", ", LossAggregations.Registry.Names)}");
        Require(KlEstimators.Registry.Contains(KlEstimator), nameof(KlEstimator), KlEstimator, $"choose one of {string.Join(", ", KlEstimators.Registry.Names)}");
        Require(KlControllers.Registry.Contains(KlController), nameof(KlController), KlController, $"choose one of {string.Join(", ", KlControllers.Registry.Names)}");
        foreach (string filter in Filters)
            Require(GroupFilters.Registry.Contains(filter), nameof(Filters), filter, $"choose from {string.Join(", ", GroupFilters.Registry.Names)}");

        // Each axis is built with this preset's hyperparameters and checks them itself; its complaint names the preset field.
        IAdvantageEstimator estimator = Build(() => AdvantageEstimators.Create(AdvantageEstimator, EstimatorSettings),
            p => p == "Epsilon" ? nameof(AdvantageEpsilon) : p ?? nameof(AdvantageEstimator));
        IPolicyLoss loss = Build(() => PolicyLosses.Create(PolicyLoss, LossSettings), p => p == "Beta" ? nameof(GvpoBeta) : p ?? nameof(PolicyLoss));
        Require(GroupSize >= 1, nameof(GroupSize), GroupSize, "set the responses per prompt, e.g. RlPresets.Create(name, groupSize: 8) or preset with { GroupSize = 8 }");
        bool groupMethod = estimator is Rl.AdvantageEstimator { NeedsGroups: true } || loss.NeedsReference
            || Filters.Count > 0 || GrpoLambdaFraction is not null || GhpoHints;
        Require(!groupMethod || GroupSize >= 2, nameof(GroupSize), GroupSize, "group baselines, group losses and group filters need at least 2 responses per prompt (e.g. 8)");
        Require(AggregationLength is null || (AggregationLength > 0 && LossAggregations.Create(Aggregation) is SeqMeanTokenSumNorm), nameof(AggregationLength), AggregationLength,
            "a constant L > 0 only applies to Aggregation = seq_mean_token_sum_norm; drop it otherwise");

        Require(KlCoefficient >= 0, nameof(KlCoefficient), KlCoefficient, "β must be ≥ 0");
        Require(KlPlacement != KlPlacement.None || KlCoefficient == 0, nameof(KlCoefficient), KlCoefficient,
            "KlPlacement is None, so set KlCoefficient = 0 or place the KL (InLoss or InReward)");
        Require(KlPlacement == KlPlacement.None || KlCoefficient > 0, nameof(KlCoefficient), KlCoefficient,
            $"KlPlacement is {KlPlacement}, so give a β > 0 (GRPO 0.04, PPO 0.2) or set KlPlacement = None");
        Require(KlPlacement != KlPlacement.InReward || estimator.AcceptsTokenRewards, nameof(KlPlacement), KlPlacement,
            $"{AdvantageEstimator} ignores per-token rewards; use KlPlacement.InLoss or an estimator that reads them (reinforce, reinforce_pp, remax, rloo, gae)");
        bool measuresKl = KlTarget > 0 && KlHorizon > 0   // (both checked below; the controller's constructor checks them too)
            && KlControllers.Create(KlController, new KlControllerSettings(Math.Max(KlCoefficient, 1e-12), KlTarget, KlHorizon)).NeedsMeasuredKl;
        Require(!measuresKl || KlPlacement != KlPlacement.None,
            nameof(KlController), KlController, "an adaptive β needs a placed KL; set KlPlacement or use fixed");
        Require(KlTarget > 0, nameof(KlTarget), KlTarget, "the target KL must be > 0 (TRL: 6)");
        Require(KlHorizon > 0, nameof(KlHorizon), KlHorizon, "the horizon must be > 0 (TRL: 10000)");

        Require(EntropyCoefficient >= 0, nameof(EntropyCoefficient), EntropyCoefficient, "the entropy bonus must be ≥ 0 (0–0.01)");

        Require(estimator.NeedsCritic == ValueCoefficient > 0, nameof(ValueCoefficient), ValueCoefficient, estimator.NeedsCritic
            ? $"{AdvantageEstimator} trains a critic: give a value-loss coefficient > 0 (TRL 0.1)"
            : $"{AdvantageEstimator} has no critic: set ValueCoefficient = 0 or use gae");
        Require(ValueClip is null || (ValueClip > 0 && estimator.NeedsCritic), nameof(ValueClip), ValueClip, "value clipping needs a critic (gae) and ε_v > 0 (TRL 0.2)");

        Require(Temperature > 0, nameof(Temperature), Temperature, "the sampling temperature must be > 0 (reasoning 0.8–1.0)");
        Require(UpdateEpochs >= 1, nameof(UpdateEpochs), UpdateEpochs, "μ must be ≥ 1 (GRPO 1, PPO 4)");
        Require(MiniBatches >= 1, nameof(MiniBatches), MiniBatches, "use at least 1 mini-batch");
        Require(!loss.OnPolicyOnly || UpdateEpochs == 1, nameof(UpdateEpochs), UpdateEpochs,
            $"{PolicyLoss} has no importance ratio, so its samples are only on-policy for one pass; set UpdateEpochs = 1 or use ppo_clip");

        Require(OverlongMaxLength is null == OverlongCacheLength is null, nameof(OverlongCacheLength), OverlongCacheLength,
            "the soft overlong punishment needs both L_max and L_cache (DAPO 20480 / 4096), or neither");
        Require(OverlongMaxLength is null || (OverlongMaxLength > 0 && OverlongCacheLength > 0 && OverlongCacheLength <= OverlongMaxLength),
            nameof(OverlongCacheLength), OverlongCacheLength, $"L_cache must lie in (0, L_max = {OverlongMaxLength}]");
        Require(GrpoLambdaFraction is null || GrpoLambdaFraction is > 0 and <= 1, nameof(GrpoLambdaFraction), GrpoLambdaFraction, "λ must lie in (0, 1], e.g. 0.2");
        Require(TisCap is null || TisCap >= 1, nameof(TisCap), TisCap, "the truncated-IS cap C must be ≥ 1 (default 2)");
        Require(SequenceMismatchThreshold is null || SequenceMismatchThreshold > 0, nameof(SequenceMismatchThreshold), SequenceMismatchThreshold, "the threshold must be > 0, e.g. ln 2 ≈ 0.69");
        return this;
    }

    /// <summary>
    /// <paramref name="build"/>() — an axis made from this preset's fields — with its constructor's ArgumentException
    /// re-raised as "RL preset '…': Field = value is invalid; …", the field being <paramref name="field"/>(parameter name).
    /// </summary>
    private T Build<T>(Func<T> build, Func<string?, string> field)
    {
        try { return build(); }
        catch (ArgumentException ex)
        {
            string name = field(ex.ParamName);
            Require(false, name, GetType().GetProperty(name)?.GetValue(this), ex.Message.Split(" (Parameter '")[0]);
            throw;
        }
    }

    private void Require(bool ok, string field, object? value, string fix)
    {
        if (!ok) throw new ArgumentException($"RL preset '{Name}': {field} = {value ?? "null"} is invalid; {fix}", field);
    }

    // ---- factories (validate first) --------------------------------------------------------------------------------------

    /// <summary>The advantage estimator with this preset's γ, λ, ε and whitening.</summary>
    public IAdvantageEstimator CreateAdvantageEstimator() => AdvantageEstimators.Create(Validate().AdvantageEstimator, EstimatorSettings);

    private AdvantageSettings EstimatorSettings => new() { Gamma = Gamma, Lambda = Lambda, Epsilon = AdvantageEpsilon, Whiten = WhitenAdvantages };

    /// <summary>The policy loss with this preset's hyperparameters (clip ranges, dual clip, its own β), built and checked by the loss.</summary>
    public IPolicyLoss CreatePolicyLoss() => PolicyLosses.Create(Validate().PolicyLoss, LossSettings);

    private PolicyLossSettings LossSettings => new() { ClipLow = ClipLow, ClipHigh = ClipHigh, DualClip = DualClip, Beta = GvpoBeta };

    public ILossAggregation CreateAggregation() => LossAggregations.Create(Validate().Aggregation, AggregationLength);

    public IKlEstimator CreateKlEstimator() => KlEstimators.Create(Validate().KlEstimator);

    public IKlController CreateKlController() =>
        KlControllers.Create(Validate().KlController, new KlControllerSettings(KlCoefficient, KlTarget, KlHorizon));

    public IReadOnlyList<IGroupFilter> CreateFilters() => Validate().Filters.Select(GroupFilters.Create).ToList();

    public OverlongPunishment? CreateOverlongPunishment() =>
        Validate().OverlongMaxLength is int max ? new OverlongPunishment(max, OverlongCacheLength!.Value) : null;
}
