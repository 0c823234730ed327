// One entry of the preference-loss registry: the literature name, the options it reads, and how to build it.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// A registered preference loss. <paramref name="Reads"/> names the <see cref="PreferenceLossOptions"/> fields it honours;
/// <paramref name="Build"/> makes the loss from options (null fields = its paper defaults).
/// </summary>
public sealed record PreferenceLossEntry(
    string Name,
    PreferenceDataKind DataKind,
    IReadOnlyList<string> Reads,
    Func<PreferenceLossOptions, IPreferenceLoss> Build);
