// Reads prompt datasets (TRL's prompt-only shape) from JSONL or CSV: the prompt plus the row's other columns for reward functions.
using System.Text.Json;
using Hybrid.Models.Tokenizers;
using Hybrid.Data;
using Hybrid.Training.Data;

namespace Hybrid.Training.Data;

/// <summary>
/// One prompt row: <see cref="Prompt"/> is the text the policy continues — a plain string, or a conversation rendered with
/// the ChatML template and the assistant generation prompt; <see cref="Columns"/> holds the row's other scalar fields as
/// text (e.g. <c>answer</c>, <c>solution</c>) for reward functions; <see cref="Source"/> is "file:line".
/// </summary>
public sealed record PromptRow(string Prompt, IReadOnlyDictionary<string, string> Columns, string Source);

/// <summary>
/// JSONL: one object per line with <c>prompt</c> (a non-empty string, or a list of {"role","content"} messages); other
/// string, number and boolean fields become columns (numbers as written), objects and arrays are ignored, and
/// <c>"prompt": null</c> is an error as everywhere (<see cref="DatasetRow"/>). CSV: a header with a <c>prompt</c> column,
/// every other column kept. Used by online RL and online DPO. Every row is checked
/// before any is returned; errors name the file, the line (and CSV row) and the field.
/// </summary>
public static class PromptDatasetReader
{
    public static IReadOnlyList<PromptRow> Read(string path) =>
        DatasetFile.Read(path, FromRow, requiredColumns: ["prompt"], empty: "the file has no prompts");

    private static PromptRow FromRow(DatasetRow row)
    {
        string where = row.Where;
        if (row.Field("prompt") is not JsonElement prompt) throw MissingPrompt(where);
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        if (row.Object is JsonElement obj)
            foreach (JsonProperty p in obj.EnumerateObject())
            {
                string? value = p.Value.ValueKind switch
                {
                    JsonValueKind.String => p.Value.GetString()!,
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                    _ => null,
                };
                if (p.Name != "prompt" && value is not null) columns[p.Name] = value;
            }
        else
            foreach ((string name, string cell) in row.Names.Zip(row.Cells!))
                if (name != "prompt") columns[name] = cell;
        return new PromptRow(PromptText(where, prompt), columns, where);
    }

    private static DatasetException MissingPrompt(string where) =>
        new($"{where}: needs a non-empty string field \"prompt\" (or a list of messages)");

    private static string PromptText(string where, JsonElement prompt)
    {
        if (prompt.ValueKind == JsonValueKind.String)
        {
            string text = prompt.GetString()!;
            return text.Length > 0 ? text : throw MissingPrompt(where);
        }
        if (prompt.ValueKind != JsonValueKind.Array) throw MissingPrompt(where);
        var messages = DatasetMessages.Parse(where, "prompt", prompt).Select(m => new ChatMessage(m.Role, m.Content)).ToList();
        if (messages.Count == 0) throw MissingPrompt(where);
        return ChatTemplate.Render(messages, addGenerationPrompt: true).Text;
    }
}
