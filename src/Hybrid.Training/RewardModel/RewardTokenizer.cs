// Turns preference rows into the token ids a reward model scores: each whole prompt + response text, encoded as the scorer encodes it.
using Hybrid.Data;
using Hybrid.Training.Data;
using Hybrid.Training.Preference;

namespace Hybrid.Training.RewardModel;

/// <summary>
/// A reward model needs no prompt/response boundary (it scores whole sequences), so each response's full text is encoded
/// in one piece, exactly as <c>hybrid score</c> (Hybrid.Rollout's ScoringText and OnnxRewardScorer) encodes rows at
/// scoring time: plain rows <c>prompt + response</c> with nothing inserted and no EOS; conversational rows the whole
/// ChatML rendering, ending <c>&lt;|im_end|&gt;\n</c>. Texts longer than <c>maxLength</c> keep their last tokens (the
/// score is read at the end). The result has an empty <see cref="TokenizedPreference.Prompt"/> and one full sequence per response.
/// </summary>
public sealed class RewardTokenizer(Func<string, int[]> encode, int maxLength = 1024)
{
    public TokenizedPreference Tokenize(PreferenceExample example)
    {
        var sequences = new List<int[]>(example.Responses.Count);
        for (int k = 0; k < example.Responses.Count; k++)
        {
            int[] ids = encode(Text(example, k));
            if (ids.Length == 0) throw new DatasetException($"{example.Source}: response {k} with its prompt encodes to no tokens: nothing to score");
            sequences.Add(ids.Length > maxLength ? ids[^maxLength..] : ids);
        }
        return new TokenizedPreference(example.Kind, [], sequences, example.Source)
        {
            Label = example.Label, Rewards = example.Rewards, ChosenScore = example.ChosenScore, RejectedScore = example.RejectedScore, Margin = example.Margin,
        };
    }

    /// <summary>The text scored for response <paramref name="k"/>: what the scoring path builds for the same row.</summary>
    public static string Text(PreferenceExample example, int k) =>
        example.Prompt + example.Responses[k] + (example.Conversational ? "\n" : "");
}
