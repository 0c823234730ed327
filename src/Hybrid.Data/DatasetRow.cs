// One row of a dataset file as its parser sees it: where it is, and its fields looked up by name under shared rules.
using System.Text.Json;

namespace Hybrid.Data;

/// <summary>
/// A JSONL object or a CSV record with the same lookup, so every command applies the same rules:
/// <list type="bullet">
/// <item>a field that is absent is <c>null</c>; a field whose value is JSON <c>null</c> is an error (omit it instead);</item>
/// <item>a CSV cell is a JSON string, except where the reader's <c>jsonCell</c> rule says it holds JSON (a list of messages,
///   a list of numbers), which is parsed with the row's location in its error;</item>
/// <item>every error names the file, the line (and CSV row) and the field.</item>
/// </list>
/// Elements returned live as long as the row (clone what you keep past the parser call).
/// </summary>
public sealed class DatasetRow
{
    private readonly JsonElement? _object;
    private readonly IReadOnlyList<string>? _header;
    private readonly string[]? _cells;
    private readonly Func<string, string, bool>? _jsonCell;

    private DatasetRow(string where, JsonElement? obj, IReadOnlyList<string>? header, string[]? cells, Func<string, string, bool>? jsonCell)
    {
        Where = where;
        _object = obj;
        _header = header;
        _cells = cells;
        _jsonCell = jsonCell;
    }

    internal static DatasetRow Json(string where, JsonElement obj) => new(where, obj, null, null, null);

    internal static DatasetRow Csv(string where, IReadOnlyList<string> header, string[] cells, Func<string, string, bool>? jsonCell) =>
        new(where, null, header, cells, jsonCell);

    /// <summary>"file:line" (JSONL) or "file:line (row n)" (CSV).</summary>
    public string Where { get; }

    /// <summary>True for a JSONL row (an object), false for a CSV record.</summary>
    public bool IsJson => _object is not null;

    /// <summary>The JSONL object itself (null for CSV).</summary>
    public JsonElement? Object => _object;

    /// <summary>The CSV cells in header order (null for JSONL).</summary>
    public IReadOnlyList<string>? Cells => _cells;

    /// <summary>Field names in file order: the object's properties or the CSV header.</summary>
    public IEnumerable<string> Names => _object is JsonElement o ? o.EnumerateObject().Select(p => p.Name) : _header!;

    /// <summary>The field <paramref name="name"/>: null when absent; a <see cref="DatasetException"/> when it is JSON null or a JSON cell that does not parse.</summary>
    public JsonElement? Field(string name)
    {
        if (_object is JsonElement obj)
        {
            if (!obj.TryGetProperty(name, out JsonElement value)) return null;
            return value.ValueKind == JsonValueKind.Null ? throw Error(name, "is null; omit the field or give it a value") : value;
        }
        int column = IndexOf(name);
        if (column < 0) return null;
        string cell = _cells![column];
        if (_jsonCell?.Invoke(name, cell) != true) return JsonSerializer.SerializeToElement(cell);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(cell);
            return doc.RootElement.ValueKind == JsonValueKind.Null ? throw Error(name, "is null; leave the cell empty or give a value") : doc.RootElement.Clone();
        }
        catch (JsonException ex) { throw Error(name, $"is not valid JSON ({ex.Message})"); }
    }

    /// <summary>A string field: null when absent; an error when it is not a string, or empty unless <paramref name="allowEmpty"/>.</summary>
    public string? String(string name, bool allowEmpty = false)
    {
        if (Field(name) is not JsonElement v) return null;
        if (v.ValueKind != JsonValueKind.String) throw Error(name, $"is not a string (it is {Describe(v)})");
        string s = v.GetString()!;
        return allowEmpty || s.Length > 0 ? s : throw Error(name, "is empty");
    }

    /// <summary>"file:line: field 'name' problem".</summary>
    public DatasetException Error(string name, string problem) => new($"{Where}: field '{name}' {problem}");

    /// <summary>"a number", "a list", … for messages.</summary>
    public static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Null => "null",
        JsonValueKind.Array => "a list",
        JsonValueKind.Object => "an object",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.String => "a string",
        _ => "a value",
    };

    private int IndexOf(string name)
    {
        for (int i = 0; i < _header!.Count; i++)
            if (string.Equals(_header[i], name, StringComparison.Ordinal)) return i;
        return -1;
    }
}
