// Turns preference rows into token ids: prompt and responses encoded separately, EOS, TRL-style truncation.
using Hybrid.Data;

namespace Hybrid.Training.Preference;

/// <summary>
/// Encodes the prompt and each response separately (so the prompt/response boundary is a token boundary and the prompt
/// is tokenized exactly as it will be at generation time) and appends EOS to the responses of plain rows (conversational
/// responses already end with the chat format's end-of-turn marker). Truncation follows TRL's DPO defaults: the prompt
/// keeps its last <c>maxPromptLength</c> tokens (<c>truncation_mode = keep_end</c>), then each response is cut at the end
/// so that prompt + response ≤ <c>maxLength</c>. A response left with no scored token is an error naming the row.
/// </summary>
public sealed class PreferenceTokenizer(Func<string, int[]> encode, int eosTokenId, int maxLength = 1024, int maxPromptLength = 512)
{
    public TokenizedPreference Tokenize(PreferenceExample example)
    {
        int[] prompt = encode(example.Prompt);
        if (prompt.Length > maxPromptLength) prompt = prompt[^maxPromptLength..];
        if (prompt.Length >= maxLength)
            throw new DatasetException($"{example.Source}: the prompt alone has {prompt.Length} tokens, which leaves no room for a response within --max-length {maxLength}; raise --max-length or lower --max-prompt-length");
        var responses = new List<int[]>(example.Responses.Count);
        for (int k = 0; k < example.Responses.Count; k++)
        {
            var ids = new List<int>(encode(example.Responses[k]));
            if (!example.Conversational) ids.Add(eosTokenId);
            if (prompt.Length + ids.Count > maxLength) ids.RemoveRange(maxLength - prompt.Length, ids.Count - (maxLength - prompt.Length));
            if (ids.Count == 0 || prompt.Length == 0 && ids.Count < 2)
                throw new DatasetException($"{example.Source}: response {k} ({ResponseName(example.Kind, k)}) has no token to score after tokenization; " +
                                                "give it text (an empty prompt needs a response of at least two tokens)");
            responses.Add(ids.ToArray());
        }
        return new TokenizedPreference(example.Kind, prompt, responses, example.Source)
        {
            Label = example.Label, Rewards = example.Rewards, ChosenScore = example.ChosenScore, RejectedScore = example.RejectedScore, Margin = example.Margin,
        };
    }

    /// <summary>
    /// KTO's reference point z₀ needs, for each row (x_i, y_i), a mismatched pair (x_i, y_j): here row i gets the completion
    /// of the next row (cyclically) whose prompt differs from x_i, fixed once per dataset (TRL shifts completions by one
    /// when it builds its KL dataset), so its reference log-probability can be computed once like the others. Returns new
    /// unpaired rows with two responses.
    /// </summary>
    public static List<TokenizedPreference> AttachKlCompletions(IReadOnlyList<TokenizedPreference> rows)
    {
        if (rows.Any(r => r.Kind != PreferenceExampleKind.Unpaired || r.Responses.Count != 1))
            throw new ArgumentException("KL completions attach to unpaired rows with one completion each", nameof(rows));
        var result = new List<TokenizedPreference>(rows.Count);
        for (int i = 0; i < rows.Count; i++)
        {
            int j = (i + 1) % rows.Count;
            for (int step = 1; step < rows.Count && rows[j].Prompt.AsSpan().SequenceEqual(rows[i].Prompt); step++) j = (i + step + 1) % rows.Count;
            result.Add(rows[i] with { Responses = [rows[i].Responses[0], rows[j].Responses[0]] });
        }
        return result;
    }

    /// <summary>
    /// The rows a loss of <paramref name="target"/> shape reads from data of another shape, where the meaning is plain:
    /// pairs → unpaired (chosen desirable, rejected undesirable; TRL's KTO unpairs preference data the same way) and
    /// pairs → rankings of K = 2 (rewards 1 and 0). Anything else throws.
    /// </summary>
    public static List<PreferenceExample> Convert(IReadOnlyList<PreferenceExample> rows, PreferenceExampleKind target)
    {
        if (rows.Count == 0 || rows[0].Kind == target) return rows.ToList();
        if (rows[0].Kind == PreferenceExampleKind.Paired && target == PreferenceExampleKind.Unpaired)
            return rows.SelectMany(r => new[]
            {
                new PreferenceExample(PreferenceExampleKind.Unpaired, r.Source) { Prompt = r.Prompt, Responses = [r.Chosen], Conversational = r.Conversational, Label = true },
                new PreferenceExample(PreferenceExampleKind.Unpaired, r.Source) { Prompt = r.Prompt, Responses = [r.Rejected], Conversational = r.Conversational, Label = false },
            }).ToList();
        if (rows[0].Kind == PreferenceExampleKind.Paired && target == PreferenceExampleKind.Ranked)
            return rows.Select(r => new PreferenceExample(PreferenceExampleKind.Ranked, r.Source)
            {
                Prompt = r.Prompt, Responses = r.Responses, Conversational = r.Conversational, Rewards = [1.0, 0.0],
            }).ToList();
        throw new DatasetException($"{rows[0].Source}: the data holds {rows[0].Kind.ToString().ToLowerInvariant()} rows, but the loss reads {target.ToString().ToLowerInvariant()} rows " +
                                        "(pairs convert to unpaired rows and to rankings, nothing else does)");
    }

    private static string ResponseName(PreferenceExampleKind kind, int k) => kind switch
    {
        PreferenceExampleKind.Paired => k == 0 ? "chosen" : "rejected",
        PreferenceExampleKind.Unpaired => "completion",
        _ => $"responses[{k}]",
    };
}
