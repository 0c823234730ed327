// A field holding a chat as a list of {"role", "content"} objects, read by the same rules in every dataset.
using System.Text.Json;

namespace Hybrid.Data;

/// <summary>
/// The message-list shape TRL datasets use (<c>messages</c>, a conversational <c>prompt</c>, <c>chosen</c>, …): each
/// element an object with a string <c>role</c> among <see cref="Roles"/> and a string <c>content</c>. Readers add their
/// own rule about the whole list (not empty, an assistant turn present, the last turn the assistant's).
/// </summary>
public static class DatasetMessages
{
    /// <summary>The roles a message may have (ChatML's).</summary>
    public static readonly IReadOnlyList<string> Roles = ["system", "user", "assistant"];

    /// <summary>
    /// The (role, content) pairs of <paramref name="list"/>, a JSON array read from field <paramref name="name"/> of the
    /// row at <paramref name="where"/>; the first bad element throws "<c>where: field 'name[i].role' …</c>".
    /// </summary>
    public static List<(string Role, string Content)> Parse(string where, string name, JsonElement list)
    {
        if (list.ValueKind != JsonValueKind.Array)
            throw new DatasetException($"{where}: field '{name}' is not a list (it is {DatasetRow.Describe(list)})");
        var messages = new List<(string, string)>();
        int i = 0;
        foreach (JsonElement m in list.EnumerateArray())
        {
            string at = $"{where}: field '{name}[{i++}]";
            if (m.ValueKind != JsonValueKind.Object) throw new DatasetException($"{at}' is not an object {{\"role\", \"content\"}}");
            if (!m.TryGetProperty("role", out JsonElement role) || role.ValueKind != JsonValueKind.String)
                throw new DatasetException($"{at}.role' is missing or not a string");
            if (!Roles.Contains(role.GetString()))
                throw new DatasetException($"{at}.role' = \"{role.GetString()}\" is not one of {string.Join(", ", Roles)}");
            if (!m.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String)
                throw new DatasetException($"{at}.content' is missing or not a string");
            messages.Add((role.GetString()!, content.GetString()!));
        }
        return messages;
    }
}
