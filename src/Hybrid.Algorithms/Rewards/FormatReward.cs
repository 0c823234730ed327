// Format reward: does the completion follow the <think>…</think><answer>…</answer> template (DeepSeek-R1)?
using System.Text.RegularExpressions;

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// r = Matched if the completion follows the reasoning template, else Unmatched (default 1/0). DeepSeek-R1
/// (DeepSeek-AI 2025, arXiv 2501.12948) rewards putting the reasoning inside <c>&lt;think&gt;</c> tags next to the accuracy reward.
/// <list type="bullet">
/// <item><b>Strict</b> (default, name <c>format</c>): the whole completion is
/// <c>&lt;think&gt;T&lt;/think&gt;</c> whitespace <c>&lt;answer&gt;A&lt;/answer&gt;</c>, then only trailing whitespace; T and A are
/// non-blank and contain no further think/answer tags. No text before <c>&lt;think&gt;</c> or after <c>&lt;/answer&gt;</c>.</item>
/// <item><b>Loose</b> (name <c>format_loose</c>): somewhere there is a <c>&lt;think&gt;…&lt;/think&gt;</c> followed later by
/// an <c>&lt;answer&gt;…&lt;/answer&gt;</c>; other text around them is allowed.</item>
/// </list>
/// </summary>
public sealed partial class FormatReward(bool strict = true, double matched = 1.0, double unmatched = 0.0) : RuleReward
{
    /// <summary>True for the full-match template, false for the loose search.</summary>
    public bool Strict { get; } = strict;

    public double MatchedScore { get; } = double.IsFinite(matched) ? matched : throw new ArgumentException($"FormatReward.matched must be finite (got {matched})");

    public double UnmatchedScore { get; } = double.IsFinite(unmatched) ? unmatched : throw new ArgumentException($"FormatReward.unmatched must be finite (got {unmatched})");

    public override string Name => Strict ? "format" : "format_loose";

    /// <summary>True when <paramref name="completion"/> follows the template.</summary>
    public bool Matches(string completion)
    {
        if (!Strict) return LoosePattern().IsMatch(completion);
        Match m = StrictPattern().Match(completion);
        return m.Success && !string.IsNullOrWhiteSpace(m.Groups["think"].Value) && !string.IsNullOrWhiteSpace(m.Groups["answer"].Value);
    }

    public override double ScoreOne(RewardSample sample) => Matches(sample.Completion) ? MatchedScore : UnmatchedScore;

    [GeneratedRegex(@"\A<think>(?<think>(?:(?!</?(?:think|answer)>).)*)</think>\s*<answer>(?<answer>(?:(?!</?(?:think|answer)>).)*)</answer>\s*\z", RegexOptions.Singleline)]
    private static partial Regex StrictPattern();

    [GeneratedRegex(@"<think>.*?</think>.*?<answer>.*?</answer>", RegexOptions.Singleline)]
    private static partial Regex LoosePattern();
}
