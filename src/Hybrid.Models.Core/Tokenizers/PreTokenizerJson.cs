// The regular expression a tokenizer.json's pre_tokenizer splits text with: GPT-2's for ByteLevel, or a Split's Regex (Llama 3, Qwen2).
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Hybrid.Models.Tokenizers;

/// <summary>
/// Reads the <c>pre_tokenizer</c> of a byte-level BPE tokenizer.json into one .NET regular expression. Two shapes are
/// understood, the ones GPT-2, Qwen2, Llama 3 and Hybrid's own tokenizers use:
/// <code>
/// {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true}                       → GPT-2's pattern
/// {"type": "Sequence", "pretokenizers": [
///    {"type": "Split", "pattern": {"Regex": "…"}, "behavior": "Isolated", "invert": false},
///    {"type": "ByteLevel", "add_prefix_space": false, "use_regex": false}]}                  → the Split's pattern
/// </code>
/// Anything else throws <see cref="InvalidDataException"/> naming the file and the field.
/// </summary>
internal static class PreTokenizerJson
{
    /// <summary>The split pattern of <paramref name="root"/>'s <c>pre_tokenizer</c> (checked to compile in .NET).</summary>
    public static string SplitPattern(string path, JsonElement root)
    {
        if (!root.TryGetProperty("pre_tokenizer", out JsonElement pre) || pre.ValueKind == JsonValueKind.Null)
            throw new InvalidDataException($"{path}: field 'pre_tokenizer' is missing; a byte-level BPE needs the ByteLevel pre-tokenizer");
        List<JsonElement> steps = TokenizerJson.Steps(pre, "pretokenizers");

        if (steps.Count == 1 && TokenizerJson.TypeOf(steps[0]) == "ByteLevel")
        {
            CheckByteLevel(path, "pre_tokenizer", steps[0], useRegex: true);
            return Gpt2PreTokenizer.Pattern;
        }
        if (steps.Count == 2 && TokenizerJson.TypeOf(steps[0]) == "Split" && TokenizerJson.TypeOf(steps[1]) == "ByteLevel")
        {
            CheckByteLevel(path, "pre_tokenizer.pretokenizers[1]", steps[1], useRegex: false);
            return SplitRegex(path, steps[0]);
        }
        throw TokenizerJson.Unsupported(path, "pre_tokenizer", pre,
            "expected ByteLevel (use_regex) or a Sequence of a Split by a Regex and ByteLevel without use_regex (as GPT-2, Qwen2 and Llama 3 have)");
    }

    private static void CheckByteLevel(string path, string field, JsonElement byteLevel, bool useRegex)
    {
        if (byteLevel.TryGetProperty("add_prefix_space", out JsonElement prefix) && prefix.ValueKind == JsonValueKind.True)
            throw TokenizerJson.Unsupported(path, $"{field}.add_prefix_space", prefix, "GenAI's tokenizer does not add the leading space Hugging Face adds, so the two would disagree");
        bool present = byteLevel.TryGetProperty("use_regex", out JsonElement u);
        bool regex = !present || u.ValueKind != JsonValueKind.False;  // Hugging Face's default is true
        if (regex != useRegex)
            throw TokenizerJson.Unsupported(path, $"{field}.use_regex", present ? u : byteLevel,
                useRegex ? "a ByteLevel pre-tokenizer on its own must split with GPT-2's pattern (use_regex true)" : "after a Split, ByteLevel must not split again (use_regex false)");
    }

    private static string SplitRegex(string path, JsonElement split)
    {
        const string field = "pre_tokenizer.pretokenizers[0]";
        if (!split.TryGetProperty("pattern", out JsonElement pattern) || pattern.ValueKind != JsonValueKind.Object
            || !pattern.TryGetProperty("Regex", out JsonElement regex) || regex.ValueKind != JsonValueKind.String)
            throw TokenizerJson.Unsupported(path, $"{field}.pattern", split.TryGetProperty("pattern", out JsonElement p) ? p : split, "only a {\"Regex\": …} pattern is understood");
        if (split.TryGetProperty("behavior", out JsonElement behavior) && !(behavior.ValueKind == JsonValueKind.String && behavior.GetString() == "Isolated"))
            throw TokenizerJson.Unsupported(path, $"{field}.behavior", behavior, "only Isolated (each match is a piece) is understood");
        if (split.TryGetProperty("invert", out JsonElement invert) && invert.ValueKind == JsonValueKind.True)
            throw TokenizerJson.Unsupported(path, $"{field}.invert", invert, "an inverted split is not understood");
        string text = regex.GetString()!;
        try
        {
            _ = new Regex(text, RegexOptions.CultureInvariant);
        }
        catch (ArgumentException ex)
        {
            throw TokenizerJson.Unsupported(path, $"{field}.pattern.Regex", regex, $".NET cannot compile it ({ex.Message})");
        }
        return text;
    }
}
