// Reads the rows to score (the shared dataset reader, JSONL or CSV), rejecting a bad row with its file, line/row and field.
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Rollout.Scoring;

/// <summary>
/// Loads a whole scoring file. Each row is either <c>{"prompt": …, "response": …}</c> (<c>completion</c> is accepted in
/// place of <c>response</c>, as TRL names it) or <c>{"messages": [{"role", "content"}, …]}</c>; in CSV the header names
/// the columns and a <c>messages</c> cell holds the JSON array. Other fields and columns are kept and written back.
/// Shapes may mix within a file. Read by <see cref="DatasetFile"/> under the rules every command shares; nothing is
/// returned unless every row is valid: the first bad row throws a <see cref="DatasetException"/> naming file, line (and
/// CSV row) and field.
/// </summary>
public static class ScoringDataReader
{
    public static ScoringDataset Read(string path)
    {
        ScoringFormat format = ScoringFormats.FromPath(path);
        IReadOnlyList<string>? header = null;
        var rows = DatasetFile.Read(path, (DatasetRow row) =>
        {
            header ??= row.IsJson ? null : row.Names.ToList();
            return (Source: row.Where, Text: RowText(row),
                    Json: row.Object is JsonElement obj ? JsonObject.Create(obj.Clone()) : null, Cells: row.Cells?.ToArray());
        }, jsonCell: (name, _) => name == "messages", empty: "the file has no rows to score");
        return new ScoringDataset(path, format, header,
            rows.Select((r, i) => new ScoringRow(i, r.Source, r.Text) { Json = r.Json, Cells = r.Cells }).ToList());
    }

    /// <summary>The text scored for a row (see <see cref="ScoringText"/>).</summary>
    private static string RowText(DatasetRow row)
    {
        string where = row.Where;
        if (row.Field("messages") is JsonElement messages)
        {
            foreach (string other in new[] { "prompt", "response", "completion" })
                if (row.Field(other) is not null) throw new DatasetException($"{where}: the row has both 'messages' and '{other}'; give one shape");
            List<ChatMessage> chat = ParseMessages(row, messages);
            try { return ScoringText.Conversation(chat); }
            catch (ArgumentException ex) { throw row.Error("messages", ex.Message); }
        }

        string? prompt = row.String("prompt", allowEmpty: true);
        string? response = row.String("response", allowEmpty: true);
        string? completion = row.String("completion", allowEmpty: true);
        if (response is not null && completion is not null)
            throw new DatasetException($"{where}: the row has both 'response' and 'completion'; keep one (they mean the same)");
        response ??= completion;
        if (prompt is null && response is null)
            throw new DatasetException($"{where}: no 'prompt'/'response' (or 'completion') or 'messages' field");
        if (prompt is null) throw new DatasetException($"{where}: field 'prompt' is missing (the row has a response)");
        if (response is null) throw new DatasetException($"{where}: field 'response' (or 'completion') is missing (the row has 'prompt')");
        if (prompt.Length == 0 && response.Length == 0)
            throw new DatasetException($"{where}: fields 'prompt' and 'response' are both empty: nothing to score");
        return ScoringText.PromptResponse(prompt, response);
    }

    private static List<ChatMessage> ParseMessages(DatasetRow row, JsonElement messages)
    {
        string where = row.Where;
        var list = DatasetMessages.Parse(where, "messages", messages).Select(m => new ChatMessage(m.Role, m.Content)).ToList();
        if (list.Count == 0) throw new DatasetException($"{where}: field 'messages' is empty");
        if (list[^1].Role != ChatMessage.AssistantRole)
            throw new DatasetException($"{where}: field 'messages[{list.Count - 1}].role' = \"{list[^1].Role}\": the last turn must be the assistant's response to score");
        return list;
    }
}
