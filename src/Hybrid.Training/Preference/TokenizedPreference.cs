// One preference row as token ids: the prompt once, and every response the trainer scores against it.

namespace Hybrid.Training.Preference;

/// <summary>
/// <see cref="Prompt"/> [P] and <see cref="Responses"/> (each [A_k], ending with EOS for plain rows) of one row; the model sees
/// prompt ++ response_k and only response tokens count in its log-probability. Responses are: Paired [chosen, rejected];
/// Unpaired [completion] or, once <see cref="PreferenceTokenizer.AttachKlCompletions"/> ran, [completion, another row's
/// completion] (KTO's mismatched pair for z₀); Ranked [y_1 … y_K].
/// </summary>
public sealed record TokenizedPreference(PreferenceExampleKind Kind, int[] Prompt, IReadOnlyList<int[]> Responses, string Source)
{
    /// <summary>Unpaired rows: true = desirable.</summary>
    public bool? Label { get; init; }

    /// <summary>Ranked rows: the reward of each response (higher is better).</summary>
    public IReadOnlyList<double>? Rewards { get; init; }

    /// <summary>Paired rows: optional external scores (ODPO) and RM margin.</summary>
    public double? ChosenScore { get; init; }
    public double? RejectedScore { get; init; }
    public double? Margin { get; init; }

    /// <summary>Tokens of response <paramref name="k"/> that are predicted (all of them unless the prompt is empty: nothing predicts token 0).</summary>
    public int ScoredTokens(int k) => Prompt.Length > 0 ? Responses[k].Length : Responses[k].Length - 1;

    /// <summary>Prompt plus response tokens over all sequences of the row (the <c>num_tokens</c> it adds).</summary>
    public long TotalTokens => Responses.Sum(r => (long)Prompt.Length + r.Length);
}
