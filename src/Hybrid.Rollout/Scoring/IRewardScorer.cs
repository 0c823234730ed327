// What the scoring pipeline needs from a reward model: texts in, one score per text out, in input order.
using Hybrid.Data;

namespace Hybrid.Rollout.Scoring;

/// <summary>The scores of one pass and what it cost.</summary>
/// <param name="Scores">[N] one score per text, in input order.</param>
/// <param name="TruncatedRows">Texts longer than the max length, scored on their last tokens.</param>
/// <param name="Tokens">Real tokens scored (summed over ensemble members).</param>
/// <param name="PaddedTokens">Tokens run including padding (summed over members); Tokens ÷ PaddedTokens is the batching efficiency.</param>
public sealed record RewardScores(float[] Scores, int TruncatedRows, long Tokens, long PaddedTokens);

/// <summary>A reward model behind ORT: a single exported model (<see cref="OnnxRewardScorer"/>) or an ensemble.</summary>
public interface IRewardScorer : IDisposable
{
    /// <summary>
    /// Scores <paramref name="texts"/>. <paramref name="progress"/> is called after each batch with the number of texts
    /// finished so far (0…N). A text the tokenizer cannot encode throws a <see cref="DatasetException"/> whose message
    /// starts with <paramref name="describe"/>(index) (default <c>text {index}</c>).
    /// </summary>
    RewardScores Score(IReadOnlyList<string> texts, Action<int>? progress = null, Func<int, string>? describe = null);
}
