// Reads prompt datasets (TRL's prompt-only shape) from JSONL or CSV: the prompt plus the row's other columns for reward functions.
using System.Text.Json;
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Data;

namespace Hybrid.Training.Rl;

/// <summary>
/// One prompt row: <see cref="Prompt"/> is the text the policy continues — a plain string, or a conversation rendered with
/// the ChatML template and the assistant generation prompt; <see cref="Columns"/> holds the row's other scalar fields as
/// text (e.g. <c>answer</c>, <c>solution</c>) for reward functions; <see cref="Source"/> is "file:line".
/// </summary>
public sealed record PromptRow(string Prompt, IReadOnlyDictionary<string, string> Columns, string Source);

/// <summary>
/// JSONL: one object per line with <c>prompt</c> (a non-empty string, or a list of {"role","content"} messages); other
/// string, number and boolean fields become columns (numbers as written), objects, arrays and nulls are ignored. CSV: a
/// header with a <c>prompt</c> column, every other column kept. Used by online RL and online DPO. Every row is checked
/// before any is returned; errors name the file, the line (and CSV row) and the field.
/// </summary>
public static class PromptDatasetReader
{
    public static IReadOnlyList<PromptRow> Read(string path) =>
        DatasetFile.Read(path, JsonRow, CsvRow, CheckHeader, empty: "the file has no prompts");

    private static PromptRow JsonRow(string where, JsonElement root)
    {
        if (!root.TryGetProperty("prompt", out JsonElement prompt)) throw MissingPrompt(where);
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty p in root.EnumerateObject())
        {
            string? value = p.Value.ValueKind switch
            {
                JsonValueKind.String => p.Value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => p.Value.GetRawText(),
                _ => null,
            };
            if (p.Name != "prompt" && value is not null) columns[p.Name] = value;
        }
        return new PromptRow(PromptText(where, prompt), columns, where);
    }

    private static string? CheckHeader(IReadOnlyList<string> header) =>
        header.Contains("prompt") ? null : $"the header has no 'prompt' column (columns: {string.Join(", ", header)})";

    private static PromptRow CsvRow(string where, CsvHelper.CsvReader csv, IReadOnlyList<string> header)
    {
        string prompt = csv.GetString("prompt");
        if (prompt.Length == 0) throw MissingPrompt(where);
        return new PromptRow(prompt, header.Where(h => h != "prompt").ToDictionary(h => h, h => csv.GetString(h), StringComparer.Ordinal), where);
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
        if (messages.Count == 0) throw MissingPrompt(where);
        return ChatTemplate.Render(messages, addGenerationPrompt: true).Text;
    }
}
