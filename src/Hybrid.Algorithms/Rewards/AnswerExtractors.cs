// Answer extraction: where in a completion the final answer sits (last number, \boxed{…}, <answer>…</answer>, "答案是X").
using System.Text.RegularExpressions;

namespace Hybrid.Algorithms.Rewards;

/// <summary>Finds the final answer in a completion; null when there is none.</summary>
public interface IAnswerExtractor
{
    /// <summary>Short name for metrics and errors (<c>last_number</c>, <c>boxed</c>, …).</summary>
    string Name { get; }

    /// <summary>The answer text (trimmed), or null when the completion holds no answer of this form.</summary>
    string? Extract(string completion);
}

/// <summary>
/// The last number in the text (GSM8K-style grading): integers, decimals and 1,234-style thousands. A minus sign counts
/// only when it does not follow a word character or a closing bracket, so "5-3" ends in "3", not "-3".
/// </summary>
public sealed partial class LastNumberExtractor : IAnswerExtractor
{
    public string Name => "last_number";

    public string? Extract(string completion)
    {
        MatchCollection matches = NumberPattern().Matches(completion);
        return matches.Count == 0 ? null : matches[^1].Value;
    }

    [GeneratedRegex(@"(?:(?<![\w)\]])-)?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?")]
    internal static partial Regex NumberPattern();
}

/// <summary>
/// The content of the last <c>\boxed{…}</c> (MATH / DeepSeekMath convention), with nested braces balanced
/// (<c>\boxed{\frac{1}{2}}</c> gives <c>\frac{1}{2}</c>). An unclosed box gives null.
/// </summary>
public sealed class BoxedExtractor : IAnswerExtractor
{
    private const string Open = "\\boxed{";

    public string Name => "boxed";

    public string? Extract(string completion)
    {
        int start = completion.LastIndexOf(Open, StringComparison.Ordinal);
        if (start < 0) return null;
        int depth = 1;
        for (int i = start + Open.Length; i < completion.Length; i++)
        {
            if (completion[i] == '{') depth++;
            else if (completion[i] == '}' && --depth == 0)
            {
                string inner = completion[(start + Open.Length)..i].Trim();
                return inner.Length == 0 ? null : inner;
            }
        }
        return null;
    }
}

/// <summary>The content of the last well-formed <c>&lt;answer&gt;…&lt;/answer&gt;</c> (DeepSeek-R1 template); blank content gives null.</summary>
public sealed partial class AnswerTagExtractor : IAnswerExtractor
{
    public string Name => "answer_tag";

    public string? Extract(string completion)
    {
        MatchCollection matches = TagPattern().Matches(completion);
        if (matches.Count == 0) return null;
        string inner = matches[^1].Groups[1].Value.Trim();
        return inner.Length == 0 ? null : inner;
    }

    [GeneratedRegex(@"<answer>((?:(?!</?answer>).)*)</answer>", RegexOptions.Singleline)]
    private static partial Regex TagPattern();
}

/// <summary>
/// The answer after the last occurrence of a fixed prefix (default <c>答案是</c>, "the answer is"): skip blanks and a
/// colon (<c>:</c> or <c>：</c>), then take the number that starts there, or else the rest of the line up to the first
/// sentence punctuation. "我爱你答案是2" gives "2"; "as答案是1哦" gives "1"; text without the prefix gives null.
/// </summary>
public sealed class PrefixExtractor(string prefix = "答案是", StringComparison comparison = StringComparison.Ordinal) : IAnswerExtractor
{
    private static readonly char[] SentenceEnd = ['\n', '\r', '。', '，', ',', '！', '!', '？', '?', '；', ';'];

    /// <summary>The prefix searched for.</summary>
    public string Prefix { get; } = string.IsNullOrEmpty(prefix)
        ? throw new ArgumentException("PrefixExtractor.prefix is empty; give the text that precedes the answer, e.g. \"答案是\"", nameof(prefix))
        : prefix;

    public string Name => "prefix";

    public string? Extract(string completion)
    {
        int at = completion.LastIndexOf(Prefix, comparison);
        if (at < 0) return null;
        string rest = completion[(at + Prefix.Length)..].TrimStart();
        if (rest.StartsWith(':') || rest.StartsWith('：')) rest = rest[1..].TrimStart();
        Match number = LastNumberExtractor.NumberPattern().Match(rest);
        if (number.Success && number.Index == 0) return number.Value;
        int end = rest.IndexOfAny(SentenceEnd);
        string answer = (end < 0 ? rest : rest[..end]).Trim().TrimEnd('.');
        return answer.Length == 0 ? null : answer;
    }
}

/// <summary>Tries each extractor in order and returns the first answer found (default chain: answer tag, boxed, last number).</summary>
public sealed class FallbackExtractor(params IAnswerExtractor[] extractors) : IAnswerExtractor
{
    private readonly IAnswerExtractor[] _extractors = extractors.Length > 0 ? extractors
        : throw new ArgumentException("FallbackExtractor needs at least one extractor", nameof(extractors));

    /// <summary>&lt;answer&gt; tag, then \boxed{}, then the last number.</summary>
    public static FallbackExtractor Default() => new(new AnswerTagExtractor(), new BoxedExtractor(), new LastNumberExtractor());

    public string Name => string.Join("|", _extractors.Select(e => e.Name));

    public string? Extract(string completion)
    {
        foreach (IAnswerExtractor extractor in _extractors)
            if (extractor.Extract(completion) is { } answer) return answer;
        return null;
    }
}
