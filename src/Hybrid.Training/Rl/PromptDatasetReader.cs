// Reads RL prompt datasets (TRL's prompt-only shape) from JSONL or CSV: the prompt plus the row's other columns for reward functions.
using System.Text.Json;
using CsvHelper;
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Data;

namespace Hybrid.Training.Rl;

/// <summary>
/// One prompt row: <see cref="Prompt"/> is the text the policy continues — a plain string, or a conversation rendered with
/// the ChatML template and the assistant generation prompt; <see cref="Columns"/> holds every other field as text
/// (e.g. <c>answer</c>, <c>solution</c>) for reward functions; <see cref="Source"/> is "file:line".
/// </summary>
public sealed record PromptRow(string Prompt, IReadOnlyDictionary<string, string> Columns, string Source);

/// <summary>
/// JSONL: one object per line with <c>prompt</c> (a string, or a list of {"role","content"} messages); other fields may be
/// strings, numbers or booleans. CSV: a header with a <c>prompt</c> column. Every row is checked before any is returned;
/// errors name the file, the line (and CSV row) and the field.
/// </summary>
public static class PromptDatasetReader
{
    public static IReadOnlyList<PromptRow> Read(string path)
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: file not found");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        List<PromptRow> rows = ext switch
        {
            ".jsonl" or ".json" => ReadJsonl(path),
            ".csv" => ReadCsv(path),
            _ => throw new DatasetException($"{path}: unknown dataset extension '{ext}' (expected .jsonl or .csv)"),
        };
        return rows.Count > 0 ? rows : throw new DatasetException($"{path}: the dataset has no rows");
    }

    private static List<PromptRow> ReadJsonl(string path)
    {
        var rows = new List<PromptRow>();
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
                if (!root.TryGetProperty("prompt", out JsonElement prompt)) throw new DatasetException($"{where}: field 'prompt' is missing");
                var columns = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (JsonProperty p in root.EnumerateObject())
                {
                    if (p.Name == "prompt") continue;
                    columns[p.Name] = p.Value.ValueKind switch
                    {
                        JsonValueKind.String => p.Value.GetString()!,
                        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                        JsonValueKind.Null => "",
                        _ => p.Value.GetRawText(),
                    };
                }
                rows.Add(new PromptRow(PromptText(where, prompt), columns, where));
            }
        }
        return rows;
    }

    private static List<PromptRow> ReadCsv(string path)
    {
        var rows = new List<PromptRow>();
        var options = new CsvReaderOptions
        {
            TrackLineNumbers = true,
            AllowLineBreaksInQuotes = true,
            FieldCountMismatch = CsvFieldCountHandling.Throw,
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        using CsvReader csv = CsvReader.FromFile(path, options);
        try
        {
            var header = csv.Headers.ToList();
            if (!header.Contains("prompt")) throw new DatasetException($"{path}: the header has no 'prompt' column (columns: {string.Join(", ", header)})");
            while (csv.Read())
            {
                string where = $"{path}:{csv.LineNumber} (row {csv.RowNumber})";
                string prompt = csv.GetString("prompt");
                if (prompt.Length == 0) throw new DatasetException($"{where}: field 'prompt' is empty");
                var columns = header.Where(h => h != "prompt").ToDictionary(h => h, h => csv.GetString(h), StringComparer.Ordinal);
                rows.Add(new PromptRow(prompt, columns, where));
            }
        }
        catch (CsvFormatException ex)
        {
            throw new DatasetException($"{path}:{ex.LineNumber} (row {ex.RecordNumber - 1}): malformed CSV ({ex.Message})");
        }
        return rows;
    }

    private static string PromptText(string where, JsonElement prompt)
    {
        if (prompt.ValueKind == JsonValueKind.String)
        {
            string text = prompt.GetString()!;
            return text.Length > 0 ? text : throw new DatasetException($"{where}: field 'prompt' is empty");
        }
        if (prompt.ValueKind != JsonValueKind.Array) throw new DatasetException($"{where}: field 'prompt' is neither a string nor a list of messages");
        var messages = new List<ChatMessage>();
        int i = 0;
        foreach (JsonElement m in prompt.EnumerateArray())
        {
            string at = $"{where}: field 'prompt[{i}]";
            if (m.ValueKind != JsonValueKind.Object) throw new DatasetException($"{at}' is not an object");
            if (!m.TryGetProperty("role", out JsonElement role) || role.ValueKind != JsonValueKind.String || !SftDatasetReader.Roles.Contains(role.GetString()))
                throw new DatasetException($"{at}.role' is missing or not one of {string.Join(", ", SftDatasetReader.Roles)}");
            if (!m.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String)
                throw new DatasetException($"{at}.content' is missing or not a string");
            messages.Add(new ChatMessage(role.GetString()!, content.GetString()!));
            i++;
        }
        if (messages.Count == 0) throw new DatasetException($"{where}: field 'prompt' is an empty message list");
        return ChatTemplate.Render(messages, addGenerationPrompt: true).Text;
    }
}
