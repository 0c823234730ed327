// A tokenized preference pair: prompt ids, chosen and rejected response ids, with the scores that decided it.

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// One (x, y_w, y_l) in token ids. Only <see cref="Chosen"/> and <see cref="Rejected"/> tokens enter a preference loss;
/// <see cref="Prompt"/> (for Step-DPO: the question plus the shared steps) conditions them and is never scored.
/// <see cref="ChosenScore"/> / <see cref="RejectedScore"/> are the labeller's rewards (NaN when the pair came from data,
/// e.g. SPIN's SFT target). <see cref="Source"/> says where it came from, for errors and logs.
/// </summary>
public sealed record TokenPair
{
    public TokenPair(int[] prompt, int[] chosen, int[] rejected, string source)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(chosen);
        ArgumentNullException.ThrowIfNull(rejected);
        if (prompt.Length == 0) throw new ArgumentException($"{source}: TokenPair.Prompt is empty; a response needs at least one prompt token to be predicted from", nameof(prompt));
        if (chosen.Length == 0) throw new ArgumentException($"{source}: TokenPair.Chosen is empty; a preference needs a non-empty chosen response", nameof(chosen));
        if (rejected.Length == 0) throw new ArgumentException($"{source}: TokenPair.Rejected is empty; a preference needs a non-empty rejected response", nameof(rejected));
        (Prompt, Chosen, Rejected, Source) = (prompt, chosen, rejected, source);
    }

    /// <summary>[P] x (token ids).</summary>
    public int[] Prompt { get; }

    /// <summary>[A_w] y_w.</summary>
    public int[] Chosen { get; }

    /// <summary>[A_l] y_l.</summary>
    public int[] Rejected { get; }

    public string Source { get; }

    /// <summary>The labeller's reward of y_w (NaN: chosen by data, not by a score).</summary>
    public double ChosenScore { get; init; } = double.NaN;

    /// <summary>The labeller's reward of y_l (NaN: not scored).</summary>
    public double RejectedScore { get; init; } = double.NaN;
}
