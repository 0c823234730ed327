// Reads the prompts of an online run from JSONL: a "prompt" string per line, other fields kept as columns for rule rewards.
using System.Globalization;
using System.Text.Json;
using Hybrid.Training.Data;

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// One JSON object per line (blank lines skipped): <c>{"prompt": "2+3=", "answer": "5", ...}</c>. <c>prompt</c> must be a
/// non-empty string; every other string, number or boolean field becomes a column (numbers in invariant culture),
/// others (objects, arrays, null) are ignored. Errors name the file and line; nothing is returned unless every row is valid.
/// </summary>
public static class OnlinePromptReader
{
    /// <summary>Reads <paramref name="path"/> and encodes each prompt with <paramref name="encode"/> (e.g. the tokenizer, or the chat template + tokenizer).</summary>
    public static List<OnlinePrompt> Read(string path, Func<string, int[]> encode)
    {
        ArgumentNullException.ThrowIfNull(encode);
        if (!File.Exists(path)) throw new DatasetException($"{path}: file not found");
        var rows = new List<OnlinePrompt>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path}:{lineNumber}";
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException ex) { throw new DatasetException($"{where}: not valid JSON ({ex.Message})"); }
            using (doc)
            {
                JsonElement root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new DatasetException($"{where}: the line is not a JSON object");
                if (!root.TryGetProperty("prompt", out JsonElement prompt) || prompt.ValueKind != JsonValueKind.String || prompt.GetString()!.Length == 0)
                    throw new DatasetException($"{where}: needs a non-empty string field \"prompt\"");
                var columns = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (JsonProperty field in root.EnumerateObject())
                {
                    if (field.Name == "prompt") continue;
                    string? value = field.Value.ValueKind switch
                    {
                        JsonValueKind.String => field.Value.GetString(),
                        JsonValueKind.Number => field.Value.GetDouble().ToString(CultureInfo.InvariantCulture),
                        JsonValueKind.True => "true",
                        JsonValueKind.False => "false",
                        _ => null,
                    };
                    if (value is not null) columns[field.Name] = value;
                }
                string text = prompt.GetString()!;
                int[] ids = encode(text);
                if (ids.Length == 0) throw new DatasetException($"{where}: the prompt encodes to no tokens");
                rows.Add(new OnlinePrompt(text, ids, columns));
            }
        }
        if (rows.Count == 0) throw new DatasetException($"{path}: the file has no prompts");
        return rows;
    }
}
