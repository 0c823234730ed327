// A prompt of an online preference run: its text (what reward functions read), its token ids, and its dataset columns.

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// <see cref="Text"/> is the prompt as rewards see it, <see cref="Ids"/> [P] what the policy is sampled from (already
/// chat-templated if the run uses a template), <see cref="Columns"/> the row's other fields (e.g. "answer") for rules.
/// </summary>
public sealed record OnlinePrompt
{
    public OnlinePrompt(string text, int[] ids, IReadOnlyDictionary<string, string>? columns = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Length == 0) throw new ArgumentException($"OnlinePrompt '{text}': Ids is empty; the policy needs at least one prompt token", nameof(ids));
        (Text, Ids, Columns) = (text, ids, columns ?? new Dictionary<string, string>());
    }

    public string Text { get; }

    /// <summary>[P] prompt token ids.</summary>
    public int[] Ids { get; }

    public IReadOnlyDictionary<string, string> Columns { get; }
}
