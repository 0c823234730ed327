// The `hybrid rl` flags that change the chosen preset's hyperparameters (β, clip range, aggregation, filters, overlong
// punishment, truncated IS, entropy bonus), applied over the preset and checked by it.
using System.Globalization;
using Hybrid.Algorithms.Rl;

namespace Hybrid.Cli.Commands;

/// <summary>
/// Overrides of <see cref="RlPreset"/> fields, under the names TRL's GRPOConfig and verl use (<c>beta</c>, <c>epsilon</c>,
/// <c>epsilon_high</c>), so a recipe can be varied without code: <c>--preset dapo --filters none</c> is DAPO without
/// dynamic sampling, <c>--preset grpo --beta 0</c> is GRPO without the KL term (and without a reference model). A flag
/// left out keeps the preset's value. The result is validated by the preset; a value its axes refuse is one error line
/// that names the flag.
/// </summary>
internal sealed class RlPresetFlags
{
    private readonly Option<double?> _beta = new("--beta")
    {
        Description = "β of the KL term (default: the preset's: grpo 0.04, dapo 0); 0 removes the KL and the reference model; " +
                      "β > 0 on a KL-free preset adds GRPO's k3 KL to the loss",
    };
    private readonly Option<double?> _epsilon = new("--epsilon") { Description = "ε_low, the lower clip range of the ratio (default: the preset's; ppo_clip 0.2)" };
    private readonly Option<double?> _epsilonHigh = new("--epsilon-high") { Description = "ε_high, the upper clip range (DAPO's clip-higher 0.28; default: the preset's)" };
    private readonly Option<string?> _aggregation = new("--loss-aggregation")
    {
        Description = "How token losses become the batch loss: " + string.Join(", ", LossAggregations.Registry.Names) +
                      " (default: the preset's; grpo seq_mean_token_mean, dapo token_mean)",
    };
    private readonly Option<string[]> _filters = new("--filters")
    {
        Description = "Batch filters in place of the preset's: " + string.Join(", ", GroupFilters.Registry.Names) +
                      " (dynamic_sampling refills the batch with groups whose rewards differ, as DAPO), or none",
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<int?> _overlongCache = new("--overlong-cache")
    {
        Description = "DAPO's soft overlong punishment: the last N tokens of --max-new-tokens cost up to 1 reward, linearly (0 = off; " +
                      "default: the preset's, dapo ⌈0.2 × --max-new-tokens⌉)",
    };
    private readonly Option<double?> _tisCap = new("--tis-cap") { Description = "Truncated importance sampling of the rollout/trainer mismatch: weight min(π_old/π_rollout, C) per token (Yao et al. 2025: 2; default: off)" };
    private readonly Option<double?> _entropy = new("--entropy-coef") { Description = "Entropy bonus c₂: loss −= c₂·H (default: the preset's, 0)" };

    public Option[] All => [_beta, _epsilon, _epsilonHigh, _aggregation, _filters, _overlongCache, _tisCap, _entropy];

    /// <summary>
    /// <paramref name="preset"/> (not yet validated: the named preset with --group-size, --mini-batches and --epochs, fitted
    /// to the response budget)
    /// with every given flag applied, validated.
    /// <paramref name="maxNewTokens"/> is the response budget the overlong window ends at.
    /// </summary>
    public RlPreset Apply(RlPreset preset, ParseResult parse, int maxNewTokens)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal)    // preset field → the flag and value to name in an error
        {
            [nameof(RlPreset.GroupSize)] = "--group-size " + preset.GroupSize,
            [nameof(RlPreset.MiniBatches)] = "--mini-batches " + preset.MiniBatches,
            [nameof(RlPreset.UpdateEpochs)] = "--epochs " + preset.UpdateEpochs,
        };
        if (parse.GetValue(_beta) is double beta)
        {
            preset = beta == 0
                ? preset with { KlCoefficient = 0, KlPlacement = KlPlacement.None, KlController = "fixed" }
                : preset with { KlCoefficient = beta, KlPlacement = preset.KlPlacement == KlPlacement.None ? KlPlacement.InLoss : preset.KlPlacement };
            given[nameof(RlPreset.KlCoefficient)] = Typed("--beta", beta);
        }
        if (parse.GetValue(_epsilon) is double low)
        {
            preset = preset with { ClipLow = low };
            given[nameof(RlPreset.ClipLow)] = given[nameof(RlPreset.PolicyLoss)] = Typed("--epsilon", low);
        }
        if (parse.GetValue(_epsilonHigh) is double high)
        {
            preset = preset with { ClipHigh = high };
            given[nameof(RlPreset.ClipHigh)] = Typed("--epsilon-high", high);
            given.TryAdd(nameof(RlPreset.PolicyLoss), given[nameof(RlPreset.ClipHigh)]);
        }
        if (parse.GetValue(_aggregation) is string aggregation)
        {
            preset = preset with { Aggregation = aggregation, AggregationLength = null };
            given[nameof(RlPreset.Aggregation)] = "--loss-aggregation " + aggregation;
        }
        if (parse.GetValue(_filters) is { Length: > 0 } filters)
        {
            bool none = filters.Contains("none", StringComparer.Ordinal);
            if (none && filters.Length > 1)
                throw new ArgumentException($"--filters {string.Join(' ', filters)}: 'none' clears the preset's filters and cannot be combined with others");
            preset = preset with { Filters = none ? [] : filters };
            given[nameof(RlPreset.Filters)] = "--filters " + string.Join(' ', filters);
        }
        if (parse.GetValue(_overlongCache) is int cache)
        {
            if (cache < 0 || cache > maxNewTokens)
                throw new ArgumentException($"--overlong-cache {cache}: must lie in [0, --max-new-tokens = {maxNewTokens}] (0 = no overlong punishment)");
            preset = cache == 0
                ? preset with { OverlongMaxLength = null, OverlongCacheLength = null }
                : preset with { OverlongMaxLength = maxNewTokens, OverlongCacheLength = cache };
        }
        if (parse.GetValue(_tisCap) is double cap)
        {
            preset = preset with { TisCap = cap };
            given[nameof(RlPreset.TisCap)] = Typed("--tis-cap", cap);
        }
        if (parse.GetValue(_entropy) is double entropy)
        {
            preset = preset with { EntropyCoefficient = entropy };
            given[nameof(RlPreset.EntropyCoefficient)] = Typed("--entropy-coef", entropy);
        }

        try { return preset.Validate(); }
        catch (ArgumentException ex) when (ex.ParamName is string field && given.TryGetValue(field, out string? typed))
        {
            // "RL preset 'dapo': ClipHigh = -1 is invalid; <fix> (Parameter 'ClipHigh')" → "--epsilon-high -1: <fix> (preset dapo)"
            string fix = ex.Message.Split(" is invalid; ", 2) is [_, string rest] ? rest.Split(" (Parameter '")[0] : ex.Message;
            throw new ArgumentException($"{typed}: {fix} (preset {preset.Name})");
        }
    }

    private static string Typed(string flag, double value) => flag + " " + value.ToString("R", CultureInfo.InvariantCulture);
}
