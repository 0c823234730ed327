// The hyperparameters a preference loss can take, each an optional override of that loss's paper default.
using System.Globalization;

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// Overrides for <see cref="PreferenceLosses.Create"/> / <see cref="PreferenceLosses.Parse"/>. Every field is optional:
/// null means "the loss's own default" (listed per loss below and in each loss's doc comment). Setting a field that none
/// of the chosen losses reads is an error, so a typo'd or misplaced setting never goes silently unused.
/// </summary>
public sealed record PreferenceLossOptions
{
    /// <summary>β — DPO's inverse temperature (sigmoid, cdpo, robust, hinge, rdpo, odpo, kto: 0.1), IPO's τ (0.1),
    /// ORPO's λ (0.1), SimPO's reward scale (2.0). Must be finite and &gt; 0.</summary>
    public double? Beta { get; init; }

    /// <summary>ε — the assumed label-flip rate of sigmoid (0), cdpo (0.1) and robust (0.1). In [0, 0.5] (robust: &lt; 0.5).</summary>
    public double? LabelSmoothing { get; init; }

    /// <summary>γ — SimPO's target reward margin, the term itself (not γ/β); default 0.5. Finite and ≥ 0.</summary>
    public double? Gamma { get; init; }

    /// <summary>α — R-DPO's length-gap weight (0.2) or ODPO's offset scale (1.0). Finite and ≥ 0.</summary>
    public double? Alpha { get; init; }

    /// <summary>λ_D — KTO's weight of desirable rows (1.0). Finite and &gt; 0.</summary>
    public double? DesirableWeight { get; init; }

    /// <summary>λ_U — KTO's weight of undesirable rows (1.0). Finite and &gt; 0.</summary>
    public double? UndesirableWeight { get; init; }

    /// <summary>Every option's name, as <see cref="PreferenceLossEntry.Reads"/> lists them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [nameof(Beta), nameof(LabelSmoothing), nameof(Gamma), nameof(Alpha), nameof(DesirableWeight), nameof(UndesirableWeight)];

    /// <summary>The names of the fields that are set (non-null).</summary>
    public IEnumerable<string> SetFields()
    {
        if (Beta is not null) yield return nameof(Beta);
        if (LabelSmoothing is not null) yield return nameof(LabelSmoothing);
        if (Gamma is not null) yield return nameof(Gamma);
        if (Alpha is not null) yield return nameof(Alpha);
        if (DesirableWeight is not null) yield return nameof(DesirableWeight);
        if (UndesirableWeight is not null) yield return nameof(UndesirableWeight);
    }

    /// <summary>Checks the ranges every loss shares; throws <see cref="ArgumentException"/> naming the field, its value and the fix.
    /// (Each loss checks its own tighter limits when built, e.g. robust needs ε &lt; 0.5.)</summary>
    public PreferenceLossOptions Validate()
    {
        Check(Beta, v => double.IsFinite(v) && v > 0, nameof(Beta), "must be a finite number > 0 (DPO's usual 0.1, SimPO's 2.0)");
        Check(LabelSmoothing, v => v is >= 0 and <= 0.5, nameof(LabelSmoothing), "must be in [0, 0.5] (0 = no label noise; cDPO's usual 0.1)");
        Check(Gamma, v => double.IsFinite(v) && v >= 0, nameof(Gamma), "must be a finite number >= 0 (SimPO: 0.5–1.5)");
        Check(Alpha, v => double.IsFinite(v) && v >= 0, nameof(Alpha), "must be a finite number >= 0 (R-DPO 0.2, ODPO 1.0)");
        Check(DesirableWeight, v => double.IsFinite(v) && v > 0, nameof(DesirableWeight), "must be a finite number > 0 (usual: 1)");
        Check(UndesirableWeight, v => double.IsFinite(v) && v > 0, nameof(UndesirableWeight), "must be a finite number > 0 (usual: 1)");
        return this;
    }

    private static void Check(double? value, Func<double, bool> ok, string field, string fix)
    {
        if (value is double v && !ok(v))
            throw new ArgumentException($"PreferenceLossOptions.{field} = {v.ToString(CultureInfo.InvariantCulture)}: {fix}", field);
    }
}
