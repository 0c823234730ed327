// Reads SFT rows (the shared dataset reader, JSONL or CSV) in TRL's shapes, rejecting bad rows with file, line and field.
using System.Text.Json;
using Hybrid.Data;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Training.Data;

/// <summary>
/// Loads a whole SFT dataset file. JSONL: one JSON object per line (blank lines skipped). CSV: a header row naming
/// <c>text</c>, or <c>prompt</c> and <c>completion</c>, or <c>messages</c> (a JSON array of {"role","content"} in the cell).
/// The shape is read per row from the fields present; mixing shapes in one file is an error. Nothing is returned unless
/// every row is valid.
/// </summary>
public static class SftDatasetReader
{
    public static IReadOnlyList<SftExample> Read(string path)
    {
        List<SftExample> rows = DatasetFile.Read(path, FromRow, jsonCell: (name, _) => name == "messages");
        SftExampleKind kind = rows[0].Kind;
        SftExample? other = rows.FirstOrDefault(r => r.Kind != kind);
        if (other is not null)
            throw new DatasetException($"{other.Source}: row is {Describe(other.Kind)} but earlier rows are {Describe(kind)}; one file holds one shape");
        return rows;
    }

    private static SftExample FromRow(DatasetRow row)
    {
        string where = row.Where;
        if (row.Field("messages") is JsonElement messages)
            return new SftExample(SftExampleKind.Conversational, where) { Messages = ParseMessages(where, messages) };
        string? prompt = row.String("prompt", allowEmpty: true), completion = row.String("completion");
        if (prompt is not null || completion is not null)
        {
            if (prompt is null) throw new DatasetException($"{where}: field 'prompt' is missing (the row has 'completion')");
            if (completion is null) throw new DatasetException($"{where}: field 'completion' is missing (the row has 'prompt')");
            return new SftExample(SftExampleKind.PromptCompletion, where) { Prompt = prompt, Completion = completion };
        }
        string? text = row.String("text");
        if (text is not null) return new SftExample(SftExampleKind.Text, where) { Text = text };
        throw new DatasetException($"{where}: no 'text', 'prompt'/'completion' or 'messages' field");
    }

    private static List<ChatMessage> ParseMessages(string where, JsonElement messages)
    {
        var list = DatasetMessages.Parse(where, "messages", messages).Select(m => new ChatMessage(m.Role, m.Content)).ToList();
        if (list.Count == 0) throw new DatasetException($"{where}: field 'messages' is empty");
        if (!list.Any(m => m.Role == ChatMessage.AssistantRole)) throw new DatasetException($"{where}: field 'messages' has no assistant turn to train on");
        return list;
    }

    private static string Describe(SftExampleKind kind) => kind switch
    {
        SftExampleKind.Text => "'text'",
        SftExampleKind.PromptCompletion => "'prompt'/'completion'",
        _ => "'messages'",
    };
}
