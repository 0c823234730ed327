// GPT-2's pre-tokenizer: splits text into words (with their leading space), numbers, punctuation runs and whitespace.
using System.Text.RegularExpressions;

namespace Hybrid.Models.Tokenizers;

/// <summary>
/// The regular expression GPT-2 (and the Hugging Face <c>ByteLevel</c> pre-tokenizer with <c>use_regex</c>) splits text
/// with before BPE: merges never cross these pieces. <c>"Hello  world!\n"</c> → <c>"Hello", " ", " world", "!", "\n"</c>.
/// </summary>
public static partial class Gpt2PreTokenizer
{
    /// <summary>Contractions, optional-space + letters, optional-space + digits, optional-space + other symbols, whitespace.</summary>
    public const string Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    [GeneratedRegex(Pattern, RegexOptions.CultureInvariant)]
    private static partial Regex Regex();

    /// <summary>The pieces of <paramref name="text"/>, in order; their concatenation is the text.</summary>
    public static IEnumerable<string> Split(string text)
    {
        for (Match m = Regex().Match(text); m.Success; m = m.NextMatch())
            yield return m.Value;
    }

    /// <summary>
    /// Splits <paramref name="text"/> at occurrences of <paramref name="specialTokens"/> (longest first at each position):
    /// the pieces alternate between ordinary text and special tokens, as tokenizers treat special tokens atomically.
    /// </summary>
    public static IEnumerable<(string Piece, bool IsSpecial)> SplitSpecial(string text, IReadOnlyCollection<string> specialTokens)
    {
        int start = 0, i = 0;
        var ordered = specialTokens.Where(s => s.Length > 0).OrderByDescending(s => s.Length).ToArray();
        while (i < text.Length)
        {
            string? hit = ordered.Length == 0 ? null : Array.Find(ordered, s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0);
            if (hit is null)
            {
                i++;
                continue;
            }
            if (i > start) yield return (text[start..i], false);
            yield return (hit, true);
            i += hit.Length;
            start = i;
        }
        if (start < text.Length) yield return (text[start..], false);
    }
}
