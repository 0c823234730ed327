// Reads the rows to score from JSONL or CSV (CsvHelper), rejecting a bad row with its file, line/row and field.
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Rollout.Scoring;

/// <summary>
/// Loads a whole scoring file. Each row is either <c>{"prompt": …, "response": …}</c> (<c>completion</c> is accepted in
/// place of <c>response</c>, as TRL names it) or <c>{"messages": [{"role", "content"}, …]}</c>; in CSV the header names
/// the columns and a <c>messages</c> cell holds the JSON array. Other fields and columns are kept and written back.
/// Shapes may mix within a file. Nothing is returned unless every row is valid: the first bad row throws a
/// <see cref="ScoringDataException"/> naming file, line (and CSV row) and field.
/// </summary>
public static class ScoringDataReader
{
    /// <summary>Roles a message may have.</summary>
    public static readonly IReadOnlyList<string> Roles = [ChatMessage.SystemRole, ChatMessage.UserRole, ChatMessage.AssistantRole];

    public static ScoringDataset Read(string path)
    {
        if (!File.Exists(path)) throw new ScoringDataException($"{path}: file not found");
        ScoringFormat format = ScoringFormats.FromPath(path);
        ScoringDataset data = format == ScoringFormat.Jsonl ? ReadJsonl(path) : ReadCsv(path);
        if (data.Rows.Count == 0) throw new ScoringDataException($"{path}: the file has no rows to score");
        return data;
    }

    private static ScoringDataset ReadJsonl(string path)
    {
        var rows = new List<ScoringRow>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path}:{lineNumber}";
            JsonNode? node;
            try { node = JsonNode.Parse(line); }
            catch (JsonException ex) { throw new ScoringDataException($"{where}: not valid JSON ({ex.Message})"); }
            if (node is not JsonObject obj) throw new ScoringDataException($"{where}: the line is not a JSON object");
            string text = RowText(where, name => obj.TryGetPropertyValue(name, out JsonNode? v) ? Field.Of(v) : Field.Absent);
            rows.Add(new ScoringRow(rows.Count, where, text) { Json = obj });
        }
        return new ScoringDataset(path, ScoringFormat.Jsonl, null, rows);
    }

    private static ScoringDataset ReadCsv(string path)
    {
        var options = new CsvReaderOptions
        {
            TrackLineNumbers = true,
            AllowLineBreaksInQuotes = true,                     // multi-line prompts and responses are quoted cells
            FieldCountMismatch = CsvFieldCountHandling.Throw,   // a short or long row is an error, not silently padded
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        var rows = new List<ScoringRow>();
        List<string> header;
        using CsvReader csv = CsvReader.FromFile(path, options);
        try
        {
            header = csv.Headers.ToList();
            if (header.Count == 0) throw new ScoringDataException($"{path}: no header row");
            string? duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
            if (duplicate is not null) throw new ScoringDataException($"{path}: the header names column '{duplicate}' twice");
            while (csv.Read())
            {
                string where = $"{path}:{csv.LineNumber} (row {csv.RowNumber})";
                string[] cells = header.Select(h => csv.GetString(h)).ToArray();
                string text = RowText(where, name =>
                {
                    int column = header.IndexOf(name);
                    if (column < 0) return Field.Absent;
                    if (name != "messages") return Field.OfString(cells[column]);
                    try { return Field.Of(JsonNode.Parse(cells[column])); }
                    catch (JsonException ex) { throw new ScoringDataException($"{where}: field 'messages' is not valid JSON ({ex.Message})"); }
                });
                rows.Add(new ScoringRow(rows.Count, where, text) { Cells = cells });
            }
        }
        catch (CsvFormatException ex)
        {
            // RecordNumber counts the header as record 1; rows are numbered as csv.RowNumber numbers them (data rows from 1).
            string row = ex.RecordNumber > 1 ? $"row {ex.RecordNumber - 1}" : "header";
            throw new ScoringDataException($"{path}:{ex.LineNumber} ({row}): malformed CSV ({ex.Message})");
        }
        return new ScoringDataset(path, ScoringFormat.Csv, header, rows);
    }

    /// <summary>A field as read: absent, JSON null, or a value.</summary>
    private readonly record struct Field(bool Present, JsonNode? Value)
    {
        public static readonly Field Absent = new(false, null);
        public static Field Of(JsonNode? value) => new(true, value);
        public static Field OfString(string value) => new(true, JsonValue.Create(value));
    }

    /// <summary>The text scored for a row whose fields <paramref name="field"/> looks up (see <see cref="ScoringText"/>).</summary>
    private static string RowText(string where, Func<string, Field> field)
    {
        Field messages = field("messages");
        if (messages.Present)
        {
            foreach (string other in new[] { "prompt", "response", "completion" })
                if (field(other).Present) throw new ScoringDataException($"{where}: the row has both 'messages' and '{other}'; give one shape");
            List<ChatMessage> chat = ParseMessages(where, messages.Value);
            try { return ScoringText.Conversation(chat); }
            catch (ArgumentException ex) { throw new ScoringDataException($"{where}: field 'messages': {ex.Message}"); }
        }

        string? prompt = Str(where, "prompt", field("prompt"));
        string? response = Str(where, "response", field("response"));
        string? completion = Str(where, "completion", field("completion"));
        if (response is not null && completion is not null)
            throw new ScoringDataException($"{where}: the row has both 'response' and 'completion'; keep one (they mean the same)");
        response ??= completion;
        if (prompt is null && response is null)
            throw new ScoringDataException($"{where}: no 'prompt'/'response' (or 'completion') or 'messages' field");
        if (prompt is null) throw new ScoringDataException($"{where}: field 'prompt' is missing (the row has a response)");
        if (response is null) throw new ScoringDataException($"{where}: field 'response' (or 'completion') is missing (the row has 'prompt')");
        if (prompt.Length == 0 && response.Length == 0)
            throw new ScoringDataException($"{where}: fields 'prompt' and 'response' are both empty: nothing to score");
        return ScoringText.PromptResponse(prompt, response);
    }

    private static string? Str(string where, string name, Field f)
    {
        if (!f.Present) return null;
        if (f.Value is JsonValue v && v.TryGetValue(out string? s)) return s;
        throw new ScoringDataException($"{where}: field '{name}' is not a string (it is {Describe(f.Value)})");
    }

    private static List<ChatMessage> ParseMessages(string where, JsonNode? messages)
    {
        if (messages is not JsonArray array) throw new ScoringDataException($"{where}: field 'messages' is not a list (it is {Describe(messages)})");
        var list = new List<ChatMessage>(array.Count);
        for (int i = 0; i < array.Count; i++)
        {
            string at = $"{where}: field 'messages[{i}]";
            if (array[i] is not JsonObject m) throw new ScoringDataException($"{at}' is not an object");
            if (!(m["role"] is JsonValue rv && rv.TryGetValue(out string? role)))
                throw new ScoringDataException($"{at}.role' is missing or not a string");
            if (!Roles.Contains(role))
                throw new ScoringDataException($"{at}.role' = \"{role}\" is not one of {string.Join(", ", Roles)}");
            if (!(m["content"] is JsonValue cv && cv.TryGetValue(out string? content)))
                throw new ScoringDataException($"{at}.content' is missing or not a string");
            list.Add(new ChatMessage(role, content));
        }
        if (list.Count == 0) throw new ScoringDataException($"{where}: field 'messages' is empty");
        if (list[^1].Role != ChatMessage.AssistantRole)
            throw new ScoringDataException($"{where}: field 'messages[{list.Count - 1}].role' = \"{list[^1].Role}\": the last turn must be the assistant's response to score");
        return list;
    }

    private static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonArray => "a list",
        JsonObject => "an object",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            _ => "a value",
        },
        _ => "a value",
    };
}
