// Reads a final answer as a number (integers, decimals, thousands separators, a/b, \frac{a}{b}) and compares answers.
using System.Globalization;
using System.Text.RegularExpressions;

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// The answer comparison every accuracy-style reward uses: when both sides parse as numbers they are equal when
/// |x − y| ≤ tolerance·max(1, |y|) (so "5", "5.0" and "10/2" all match 5); otherwise the trimmed strings must be equal
/// (ordinal). Accepted number forms: <c>-12</c>, <c>3.5</c>, <c>1,234</c>, <c>1e-3</c>, <c>3/4</c>, <c>\frac{3}{4}</c>
/// (also <c>\dfrac</c>), each optionally wrapped in <c>$…$</c> or followed by a period.
/// </summary>
public static partial class NumericAnswer
{
    /// <summary>Default relative tolerance of numeric equality (1e-6: "0.333333" does not equal 1/3, "0.3333333" does).</summary>
    public const double DefaultTolerance = 1e-6;

    /// <summary>Parses <paramref name="text"/> as one number; false for anything else (words, lists, NaN, ∞).</summary>
    public static bool TryParse(string? text, out double value)
    {
        value = 0;
        if (text is null) return false;
        string s = text.Trim();
        if (s.Length >= 2 && s[0] == '$' && s[^1] == '$') s = s[1..^1].Trim();
        if (s.EndsWith('.')) s = s[..^1].TrimEnd();
        if (s.Length == 0) return false;
        if (Thousands().IsMatch(s)) s = s.Replace(",", "", StringComparison.Ordinal);
        if (PlainNumber().IsMatch(s))
            return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
        Match fraction = Fraction().Match(s);
        if (!fraction.Success) fraction = LatexFraction().Match(s);
        if (!fraction.Success) return false;
        double numerator = double.Parse(fraction.Groups["n"].Value, CultureInfo.InvariantCulture);
        double denominator = double.Parse(fraction.Groups["d"].Value, CultureInfo.InvariantCulture);
        if (denominator == 0) return false;
        value = (fraction.Groups["neg"].Success ? -1 : 1) * numerator / denominator;
        return double.IsFinite(value);
    }

    /// <summary>True when <paramref name="answer"/> matches <paramref name="target"/>: numerically when both parse, else as trimmed strings.</summary>
    public static bool Matches(string answer, string target, double tolerance = DefaultTolerance)
    {
        if (TryParse(answer, out double x) && TryParse(target, out double y)) return Math.Abs(x - y) <= tolerance * Math.Max(1.0, Math.Abs(y));
        return string.Equals(answer.Trim(), target.Trim(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"^[-+]?\d{1,3}(,\d{3})+(\.\d+)?$")]
    private static partial Regex Thousands();

    [GeneratedRegex(@"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")]
    private static partial Regex PlainNumber();

    [GeneratedRegex(@"^(?<neg>-)?\+?(?<n>\d+(\.\d+)?)\s*/\s*(?<d>\d+(\.\d+)?)$")]
    private static partial Regex Fraction();

    [GeneratedRegex(@"^(?<neg>-)?\\d?frac\{\s*(?<n>\d+(\.\d+)?)\s*\}\{\s*(?<d>\d+(\.\d+)?)\s*\}$")]
    private static partial Regex LatexFraction();
}
