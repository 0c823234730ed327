// Typed reads of config.json fields, each failure naming the file, the field and the JSON it found.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hybrid.Models.Config;

internal sealed class JsonFields(JsonObject root, string source)
{
    /// <summary>Reads <paramref name="path"/> as one JSON object; a missing file, bad JSON or another JSON value names the file.</summary>
    public static JsonObject ReadObject(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new ConfigException($"{path}: the file is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw new ConfigException($"{path}: not valid JSON ({ex.Message})");
        }
    }

    public int? Int(string field, bool required = false) => Read(field, required, v =>
        v.GetValueKind() == JsonValueKind.Number && v.AsValue().TryGetValue(out long l) && l is >= int.MinValue and <= int.MaxValue ? (int?)l : null, "an integer");

    public double? Double(string field, bool required = false) => Read(field, required, v =>
        v.GetValueKind() == JsonValueKind.Number ? v.GetValue<double>() : (double?)null, "a number");

    public bool? Bool(string field, bool required = false) => Read(field, required, v => v.GetValueKind() switch
    {
        JsonValueKind.True => true,
        JsonValueKind.False => (bool?)false,
        _ => null,
    }, "true or false");

    public string? String(string field, bool required = false) => Read(field, required, v =>
        v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null, "a string");

    public IReadOnlyList<string>? Strings(string field) => Read(field, false, v =>
        v is JsonArray a && a.All(e => e?.GetValueKind() == JsonValueKind.String) ? a.Select(e => e!.GetValue<string>()).ToList() : null,
        "a list of strings");

    /// <summary>An integer or a list of integers (as <c>eos_token_id</c> may be).</summary>
    public IReadOnlyList<int>? IntOrInts(string field) => Read(field, false, v =>
    {
        if (v.GetValueKind() == JsonValueKind.Number && v.AsValue().TryGetValue(out int one)) return [one];
        if (v is JsonArray a && a.All(e => e?.GetValueKind() == JsonValueKind.Number)) return a.Select(e => e!.GetValue<int>()).ToList();
        return (IReadOnlyList<int>?)null;
    }, "an integer or a list of integers");

    /// <summary>Throws when the field is present and <paramref name="accept"/> says no.</summary>
    public void Reject(string field, Func<JsonNode?, bool> accept, string why)
    {
        if (root.TryGetPropertyValue(field, out JsonNode? v) && !accept(v))
            throw new ConfigException($"{source}: field '{field}' = {v?.ToJsonString() ?? "null"} is not supported: {why}");
    }

    private T? Read<T>(string field, bool required, Func<JsonNode, T?> parse, string expected)
    {
        if (!root.TryGetPropertyValue(field, out JsonNode? v) || v is null || v.GetValueKind() == JsonValueKind.Null)
            return required ? throw new ConfigException($"{source}: field '{field}' is missing (expected {expected})") : default;
        T? value = parse(v);
        return value is null ? throw new ConfigException($"{source}: field '{field}' = {v.ToJsonString()} is not {expected}") : value;
    }
}
