// One row of preference data in one of TRL's shapes (pairs, unpaired labelled completions) or as a K-wise ranking.

namespace Hybrid.Training.Preference;

/// <summary>The shapes a preference row may take; one file holds one shape.</summary>
public enum PreferenceExampleKind
{
    /// <summary>prompt (explicit or implicit) / chosen / rejected — DPO family, ORPO, SimPO, Bradley–Terry RM.</summary>
    Paired,
    /// <summary>prompt / completion / label — KTO.</summary>
    Unpaired,
    /// <summary>prompt / responses [K] / rewards [K] — RRHF, the K-wise RM loss.</summary>
    Ranked,
}

/// <summary>
/// A preference row after reading: the prompt and the responses as text, the prompt already split off (implicit prompts
/// are the longest common prefix; conversational rows are rendered through the ChatML template, the prompt ending with
/// the assistant generation prompt <c>&lt;|im_start|&gt;assistant\n</c> and each response ending with its
/// <c>&lt;|im_end|&gt;</c>). <see cref="Source"/> is "file:line" (JSONL) or "file:line (row N)" (CSV).
/// <para><see cref="Responses"/>: Paired [chosen, rejected]; Unpaired [completion]; Ranked [y_1 … y_K].</para>
/// </summary>
public sealed record PreferenceExample(PreferenceExampleKind Kind, string Source)
{
    /// <summary>The prompt x (may be empty for an implicit prompt with nothing shared).</summary>
    public required string Prompt { get; init; }

    /// <summary>The responses as described above; a response may be empty text for plain rows (it still gets EOS).</summary>
    public required IReadOnlyList<string> Responses { get; init; }

    /// <summary>True for rows given as message lists: the chat format ends each turn, so no EOS token is appended.</summary>
    public bool Conversational { get; init; }

    /// <summary>Unpaired rows: true = desirable (KTO's label 1).</summary>
    public bool? Label { get; init; }

    /// <summary>Ranked rows: one reward per response, higher is better.</summary>
    public IReadOnlyList<double>? Rewards { get; init; }

    /// <summary>Paired rows, optional: external scores s(y_w), s(y_l) (ODPO's offset α·log(s_w − s_l)).</summary>
    public double? ChosenScore { get; init; }
    public double? RejectedScore { get; init; }

    /// <summary>Paired rows, optional: the reward-model margin m of Llama 2's −log σ(r_w − r_l − m) (TRL's <c>margin</c> column).</summary>
    public double? Margin { get; init; }

    public string Chosen => Kind == PreferenceExampleKind.Paired ? Responses[0] : throw new InvalidOperationException($"{Source}: a {Kind} row has no chosen response");
    public string Rejected => Kind == PreferenceExampleKind.Paired ? Responses[1] : throw new InvalidOperationException($"{Source}: a {Kind} row has no rejected response");
    public string Completion => Kind == PreferenceExampleKind.Unpaired ? Responses[0] : throw new InvalidOperationException($"{Source}: a {Kind} row has no completion");
}
