// Changes to a named RL preset's hyperparameters (β, clip range, aggregation, filters, overlong punishment, truncated IS,
// entropy bonus), named as `hybrid rl`'s flags, applied over the preset and checked by it.
using System.Globalization;

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Overrides of <see cref="RlPreset"/> fields under the names TRL's GRPOConfig and verl use (<c>beta</c>, <c>epsilon</c>,
/// <c>epsilon_high</c>): <c>dapo</c> with <see cref="Filters"/> = none is DAPO without dynamic sampling, <c>grpo</c> with
/// <see cref="Beta"/> = 0 is GRPO without the KL term (and without a reference model). A null field keeps the preset's
/// value. <c>hybrid rl</c> reads them from its flags; <see cref="Parse"/> reads the same flags from text (a bench's
/// run that varies a preset). An error names the flag, as the user typed it.
/// </summary>
public sealed record RlPresetOverrides
{
    /// <summary>The flags, in the order <see cref="ToArguments"/> writes them.</summary>
    public static IReadOnlyList<string> FlagNames { get; } =
        ["--beta", "--epsilon", "--epsilon-high", "--loss-aggregation", "--filters", "--overlong-cache", "--tis-cap", "--entropy-coef"];

    /// <summary><c>--beta</c>: β of the KL term; 0 removes the KL and the reference model; &gt; 0 on a KL-free preset adds GRPO's k3 KL to the loss.</summary>
    public double? Beta { get; init; }

    /// <summary><c>--epsilon</c>: ε_low, the lower clip range of the ratio.</summary>
    public double? Epsilon { get; init; }

    /// <summary><c>--epsilon-high</c>: ε_high, the upper clip range (DAPO's clip-higher 0.28).</summary>
    public double? EpsilonHigh { get; init; }

    /// <summary><c>--loss-aggregation</c>: one of <see cref="LossAggregations"/>.</summary>
    public string? LossAggregation { get; init; }

    /// <summary><c>--filters</c>: batch filters in place of the preset's (<see cref="GroupFilters"/>), or ["none"] for no filter.</summary>
    public IReadOnlyList<string>? Filters { get; init; }

    /// <summary><c>--overlong-cache</c>: DAPO's soft overlong window, the last N tokens of the response budget (0 = off).</summary>
    public int? OverlongCache { get; init; }

    /// <summary><c>--tis-cap</c>: truncated importance sampling's cap C of the rollout/trainer ratio.</summary>
    public double? TisCap { get; init; }

    /// <summary><c>--entropy-coef</c>: entropy bonus c₂ (loss −= c₂·H).</summary>
    public double? EntropyCoef { get; init; }

    /// <summary>
    /// <paramref name="preset"/> (the named preset with its group size, mini-batches and epochs set, fitted to the response
    /// budget, not yet validated) with every given override applied, validated. <paramref name="maxNewTokens"/> is the
    /// response budget the overlong window ends at. A value the preset refuses is an <see cref="ArgumentException"/> whose
    /// message starts with the flag and value (<c>--beta -1: β must be ≥ 0 (preset grpo)</c>).
    /// </summary>
    public RlPreset Apply(RlPreset preset, int maxNewTokens)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal)    // preset field → the flag and value to name in an error
        {
            [nameof(RlPreset.GroupSize)] = "--group-size " + preset.GroupSize,
            [nameof(RlPreset.MiniBatches)] = "--mini-batches " + preset.MiniBatches,
            [nameof(RlPreset.UpdateEpochs)] = "--epochs " + preset.UpdateEpochs,
        };
        if (Beta is double beta)
        {
            preset = beta == 0
                ? preset with { KlCoefficient = 0, KlPlacement = KlPlacement.None, KlController = "fixed" }
                : preset with { KlCoefficient = beta, KlPlacement = preset.KlPlacement == KlPlacement.None ? KlPlacement.InLoss : preset.KlPlacement };
            given[nameof(RlPreset.KlCoefficient)] = Typed("--beta", beta);
        }
        if (Epsilon is double low)
        {
            preset = preset with { ClipLow = low };
            given[nameof(RlPreset.ClipLow)] = given[nameof(RlPreset.PolicyLoss)] = Typed("--epsilon", low);
        }
        if (EpsilonHigh is double high)
        {
            preset = preset with { ClipHigh = high };
            given[nameof(RlPreset.ClipHigh)] = Typed("--epsilon-high", high);
            given.TryAdd(nameof(RlPreset.PolicyLoss), given[nameof(RlPreset.ClipHigh)]);
        }
        if (LossAggregation is string aggregation)
        {
            preset = preset with { Aggregation = aggregation, AggregationLength = null };
            given[nameof(RlPreset.Aggregation)] = "--loss-aggregation " + aggregation;
        }
        if (Filters is { Count: > 0 } filters)
        {
            bool none = filters.Contains("none", StringComparer.Ordinal);
            if (none && filters.Count > 1)
                throw new ArgumentException($"--filters {string.Join(' ', filters)}: 'none' clears the preset's filters and cannot be combined with others");
            preset = preset with { Filters = none ? [] : [.. filters] };
            given[nameof(RlPreset.Filters)] = "--filters " + string.Join(' ', filters);
        }
        if (OverlongCache is int cache)
        {
            if (cache < 0 || cache > maxNewTokens)
                throw new ArgumentException($"--overlong-cache {cache}: must lie in [0, --max-new-tokens = {maxNewTokens}] (0 = no overlong punishment)");
            preset = cache == 0
                ? preset with { OverlongMaxLength = null, OverlongCacheLength = null }
                : preset with { OverlongMaxLength = maxNewTokens, OverlongCacheLength = cache };
        }
        if (TisCap is double cap)
        {
            preset = preset with { TisCap = cap };
            given[nameof(RlPreset.TisCap)] = Typed("--tis-cap", cap);
        }
        if (EntropyCoef is double entropy)
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

    /// <summary>
    /// The overrides in <paramref name="args"/>, flags as <c>hybrid rl</c> takes them (<c>--filters none --beta 0.04</c>;
    /// <c>--filters</c> takes one or more names). A flag that is not an override, given twice or without its value, or a
    /// value that is not a number where one is needed, is an <see cref="ArgumentException"/> naming it.
    /// </summary>
    public static RlPresetOverrides Parse(IReadOnlyList<string> args)
    {
        var o = new RlPresetOverrides();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < args.Count;)
        {
            string flag = args[i++];
            if (!FlagNames.Contains(flag))
                throw new ArgumentException($"{flag}: not a preset override; these are: {string.Join(", ", FlagNames)}");
            if (!seen.Add(flag)) throw new ArgumentException($"{flag}: given twice");
            var values = new List<string>();
            while (i < args.Count && !args[i].StartsWith("--", StringComparison.Ordinal)) values.Add(args[i++]);
            if (values.Count == 0 || (values.Count > 1 && flag != "--filters"))
                throw new ArgumentException($"{flag}{(values.Count == 0 ? "" : " " + string.Join(' ', values))}: needs {(flag == "--filters" ? "one or more names" : "one value")}");
            string v = values[0];
            double D() => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && double.IsFinite(x)
                ? x : throw new ArgumentException($"{flag} {v}: needs a number");
            o = flag switch
            {
                "--beta" => o with { Beta = D() },
                "--epsilon" => o with { Epsilon = D() },
                "--epsilon-high" => o with { EpsilonHigh = D() },
                "--loss-aggregation" => o with { LossAggregation = v },
                "--filters" => o with { Filters = values },
                "--overlong-cache" => o with
                {
                    OverlongCache = int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n)
                        ? n : throw new ArgumentException($"{flag} {v}: needs a whole number"),
                },
                "--tis-cap" => o with { TisCap = D() },
                _ => o with { EntropyCoef = D() },
            };
        }
        return o;
    }

    /// <summary>The given overrides as <c>hybrid rl</c> flags (what <see cref="Parse"/> reads back).</summary>
    public IEnumerable<string> ToArguments()
    {
        static string N(double x) => x.ToString("R", CultureInfo.InvariantCulture);
        if (Beta is double b) { yield return "--beta"; yield return N(b); }
        if (Epsilon is double e) { yield return "--epsilon"; yield return N(e); }
        if (EpsilonHigh is double h) { yield return "--epsilon-high"; yield return N(h); }
        if (LossAggregation is string a) { yield return "--loss-aggregation"; yield return a; }
        if (Filters is { Count: > 0 } f) { yield return "--filters"; foreach (string name in f) yield return name; }
        if (OverlongCache is int c) { yield return "--overlong-cache"; yield return c.ToString(CultureInfo.InvariantCulture); }
        if (TisCap is double t) { yield return "--tis-cap"; yield return N(t); }
        if (EntropyCoef is double en) { yield return "--entropy-coef"; yield return N(en); }
    }

    private static string Typed(string flag, double value) => flag + " " + value.ToString("R", CultureInfo.InvariantCulture);
}
