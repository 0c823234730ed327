// The preference-loss registry by literature name, and the factory that applies options and parses weighted lists.
using System.Globalization;

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// Every preference loss under its literature / TRL name, and how to build one:
/// <code>
/// IPreferenceLoss dpo   = PreferenceLosses.Create("sigmoid", new PreferenceLossOptions { Beta = 0.05 });
/// IPreferenceLoss mixed = PreferenceLosses.Parse("sigmoid:1,nll:0.2");   // DPO + 0.2·NLL (Llama 3)
/// </code>
/// Names: sigmoid, cdpo, robust, ipo, hinge, kto, orpo, simpo, rdpo, odpo, rrhf, nll. Lookups happen once, when a trainer
/// is configured. An unknown name fails listing the known ones; an option the chosen loss(es) do not read fails naming it.
/// </summary>
public static class PreferenceLosses
{
    /// <summary>The registry: name → entry (data kind, options read, builder).</summary>
    public static Registry<PreferenceLossEntry> Registry { get; } = Build();

    private static Registry<PreferenceLossEntry> Build()
    {
        const string beta = nameof(PreferenceLossOptions.Beta), eps = nameof(PreferenceLossOptions.LabelSmoothing),
                     gamma = nameof(PreferenceLossOptions.Gamma), alpha = nameof(PreferenceLossOptions.Alpha),
                     lambdaD = nameof(PreferenceLossOptions.DesirableWeight), lambdaU = nameof(PreferenceLossOptions.UndesirableWeight);
        var registry = new Registry<PreferenceLossEntry>("preference loss");
        void Add(string name, PreferenceDataKind kind, string[] reads, Func<PreferenceLossOptions, IPreferenceLoss> build) =>
            registry.Add(name, () => new PreferenceLossEntry(name, kind, reads, build));

        const PreferenceDataKind paired = PreferenceDataKind.Paired;
        Add("sigmoid", paired, [beta, eps], o => new DpoLoss(o.Beta ?? DpoLoss.DefaultBeta, o.LabelSmoothing ?? 0));
        Add("cdpo", paired, [beta, eps], o => DpoLoss.Conservative(o.Beta ?? DpoLoss.DefaultBeta,
                                                                    o.LabelSmoothing ?? DpoLoss.DefaultConservativeSmoothing));
        Add("robust", paired, [beta, eps], o => new RobustDpoLoss(o.Beta ?? RobustDpoLoss.DefaultBeta,
                                                                  o.LabelSmoothing ?? RobustDpoLoss.DefaultLabelSmoothing));
        Add("ipo", paired, [beta], o => new IpoLoss(o.Beta ?? IpoLoss.DefaultBeta));
        Add("hinge", paired, [beta], o => new SlicHingeLoss(o.Beta ?? SlicHingeLoss.DefaultBeta));
        Add("kto", PreferenceDataKind.Unpaired, [beta, lambdaD, lambdaU],
            o => new KtoLoss(o.Beta ?? KtoLoss.DefaultBeta, o.DesirableWeight ?? KtoLoss.DefaultWeight, o.UndesirableWeight ?? KtoLoss.DefaultWeight));
        Add("orpo", paired, [beta], o => new OrpoLoss(o.Beta ?? OrpoLoss.DefaultBeta));
        Add("simpo", paired, [beta, gamma], o => new SimPoLoss(o.Beta ?? SimPoLoss.DefaultBeta, o.Gamma ?? SimPoLoss.DefaultGamma));
        Add("rdpo", paired, [beta, alpha], o => new RDpoLoss(o.Beta ?? RDpoLoss.DefaultBeta, o.Alpha ?? RDpoLoss.DefaultAlpha));
        Add("odpo", paired, [beta, alpha], o => new OdpoLoss(o.Beta ?? OdpoLoss.DefaultBeta, o.Alpha ?? OdpoLoss.DefaultAlpha));
        Add("rrhf", PreferenceDataKind.Ranked, [], _ => new RrhfLoss());
        Add("nll", paired, [], _ => new NllLoss());
        return registry;
    }

    /// <summary>The loss registered as <paramref name="name"/>, with <paramref name="options"/> over its defaults.</summary>
    public static IPreferenceLoss Create(string name, PreferenceLossOptions? options = null)
    {
        options = (options ?? new PreferenceLossOptions()).Validate();
        PreferenceLossEntry entry = Registry.Create(name);
        RequireAllRead(options, [entry]);
        return entry.Build(options);
    }

    /// <summary>
    /// A loss from a CLI-style spec: one name ("sigmoid") gives that loss; a comma-separated list of <c>name:weight</c>
    /// ("sigmoid:1,nll:0.5"; a missing weight means 1) gives a <see cref="CombinedPreferenceLoss"/>. The options apply to
    /// every member that reads them.
    /// </summary>
    public static IPreferenceLoss Parse(string spec, PreferenceLossOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        options = (options ?? new PreferenceLossOptions()).Validate();
        string[] items = spec.Split(',', StringSplitOptions.TrimEntries);
        if (items.Length == 1 && !items[0].Contains(':')) return Create(items[0], options);

        var entries = new List<(PreferenceLossEntry Entry, double Weight)>();
        foreach (string item in items)
        {
            if (item.Length == 0)
                throw new ArgumentException($"preference loss spec '{spec}' has an empty item; write name[:weight] items separated by commas, " +
                                            $"e.g. sigmoid:1,nll:0.2 (known: {string.Join(", ", Registry.Names)})", nameof(spec));
            int colon = item.IndexOf(':');
            string name = colon < 0 ? item : item[..colon].Trim();
            double weight = 1;
            if (colon >= 0 && !double.TryParse(item[(colon + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out weight))
                throw new ArgumentException($"preference loss spec '{spec}': the weight '{item[(colon + 1)..]}' of '{name}' is not a number " +
                                            "(write e.g. nll:0.2)", nameof(spec));
            entries.Add((Registry.Create(name), weight));
        }
        RequireAllRead(options, entries.Select(e => e.Entry).ToArray());
        return new CombinedPreferenceLoss(entries.Select(e => (e.Entry.Build(options), e.Weight)));
    }

    private static void RequireAllRead(PreferenceLossOptions options, PreferenceLossEntry[] entries)
    {
        foreach (string field in options.SetFields())
            if (!entries.Any(e => e.Reads.Contains(field)))
                throw new ArgumentException(
                    $"PreferenceLossOptions.{field} is set but preference loss {string.Join(" + ", entries.Select(e => $"'{e.Name}'"))} " +
                    $"does not read it (reads: {Describe(entries)}); remove it or pick a loss that uses it", field);
    }

    private static string Describe(PreferenceLossEntry[] entries)
    {
        string[] reads = entries.SelectMany(e => e.Reads).Distinct().ToArray();
        return reads.Length == 0 ? "nothing" : string.Join(", ", reads);
    }
}
