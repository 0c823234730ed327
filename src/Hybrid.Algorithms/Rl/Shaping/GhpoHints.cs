// GHPO's adaptive hints: a prompt whose whole group failed gets a growing prefix of the reference solution.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// GHPO (Guided Hybrid Policy Optimization; Liu et al. 2025, "GHPO: Adaptive Guidance for Stable and Efficient LLM
/// Reinforcement Learning", arXiv 2507.10628): a prompt whose G responses all
/// failed is "hard"; instead of dropping it (dynamic sampling) the next rollout shows the first part of the
/// ground-truth solution. The hint ratio climbs 0.25 → 0.5 → 0.75 (<see cref="Fractions"/>) while the prompt keeps
/// failing, stays at the last stage, and resets to no hint after a group with any success. The prefix is the first
/// ⌈f·n⌉ of the solution's n whitespace-separated words, with the original spacing.
/// Usage per step: <c>prompt = hints.Prompt(id, prompt, solution)</c> → roll out G → <c>hints.Report(id, allFailed)</c>.
/// Not thread-safe.
/// </summary>
public sealed class GhpoHints
{
    private readonly Dictionary<string, int> _stages = new(StringComparer.Ordinal);

    /// <param name="fractions">The hint ratios of successive failures, increasing, in (0, 1); default 0.25, 0.5, 0.75.</param>
    /// <param name="hintPrefix">Text placed between the prompt and the partial solution.</param>
    public GhpoHints(IReadOnlyList<double>? fractions = null, string hintPrefix = "\nHint (the beginning of a solution): ")
    {
        Fractions = fractions?.ToArray() ?? [0.25, 0.5, 0.75];
        if (Fractions.Count == 0) throw new ArgumentException("GHPO needs at least one hint fraction, e.g. 0.25, 0.5, 0.75", nameof(fractions));
        for (int k = 0; k < Fractions.Count; k++)
            if (!(Fractions[k] > 0 && Fractions[k] < 1) || (k > 0 && Fractions[k] <= Fractions[k - 1]))
                throw new ArgumentException($"GHPO hint fractions must increase within (0, 1); got {string.Join(", ", Fractions)}", nameof(fractions));
        HintPrefix = hintPrefix;
    }

    public IReadOnlyList<double> Fractions { get; }

    public string HintPrefix { get; }

    /// <summary>The hint ratio the next rollout of <paramref name="key"/> gets (0 = no hint).</summary>
    /// <summary>Each prompt's hint stage (prompts at stage 0 are absent): what a resumable checkpoint keeps.</summary>
    public IReadOnlyDictionary<string, int> Stages => _stages;

    /// <summary>Continues a resumed run with the stages its checkpoint recorded.</summary>
    public void Restore(IReadOnlyDictionary<string, int> stages)
    {
        _stages.Clear();
        foreach (var (key, stage) in stages)
            _stages[key] = stage >= 1 && stage <= Fractions.Count ? stage : throw new ArgumentOutOfRangeException(nameof(stages), stage, $"GHPO stage of '{key}' must lie in [1, {Fractions.Count}]");
    }

    public double CurrentFraction(string key) => _stages.TryGetValue(key, out int stage) ? Fractions[stage - 1] : 0;

    /// <summary>The prompt to roll out: unchanged, or followed by <see cref="HintPrefix"/> and the solution's first part.</summary>
    public string Prompt(string key, string prompt, string solution)
    {
        double fraction = CurrentFraction(key);
        return fraction == 0 ? prompt : prompt + HintPrefix + Prefix(solution, fraction);
    }

    /// <summary>After a rollout of <paramref name="key"/>: all G failed → the next hint is longer; any success → reset.</summary>
    public void Report(string key, bool groupAllFailed)
    {
        if (!groupAllFailed) { _stages.Remove(key); return; }
        _stages[key] = Math.Min(_stages.GetValueOrDefault(key) + 1, Fractions.Count);
    }

    /// <summary>True when no score of the group reaches <paramref name="correctThreshold"/> (default 0.5, as reinforce_rej).</summary>
    public static bool AllFailed(ReadOnlySpan<double> groupScores, double correctThreshold = 0.5)
    {
        foreach (double score in groupScores) if (score >= correctThreshold) return false;
        return true;
    }

    /// <summary>The first ⌈f·n⌉ whitespace-separated words of <paramref name="text"/>, original spacing kept.</summary>
    public static string Prefix(string text, double fraction)
    {
        int words = 0;
        for (int i = 0; i < text.Length; i++)
            if (!char.IsWhiteSpace(text[i]) && (i == 0 || char.IsWhiteSpace(text[i - 1]))) words++;
        int wanted = (int)Math.Ceiling(fraction * words - 1e-9);
        int seen = 0;
        for (int i = 0; i < text.Length; i++)
        {
            if (char.IsWhiteSpace(text[i]) || (i + 1 < text.Length && !char.IsWhiteSpace(text[i + 1]))) continue;
            if (++seen == wanted) return text[..(i + 1)];
        }
        return wanted <= 0 ? "" : text;
    }
}
