// Writes plain-text preference rows back out as JSONL or CSV in the shapes PreferenceDatasetReader reads.
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Hybrid.Data;

namespace Hybrid.Training.Preference;

/// <summary>
/// Pairs as <c>{"prompt", "chosen", "rejected"[, "chosen_score", "rejected_score"][, "margin"]}</c>, unpaired rows as
/// <c>{"prompt", "completion", "label"}</c>, rankings as <c>{"prompt", "responses", "rewards"}</c>; CSV with the same
/// columns (arrays as JSON cells). Conversational rows are not written (their message structure is gone after reading).
/// The file appears complete or not at all (written to a temporary file and renamed).
/// </summary>
public static class PreferenceDatasetWriter
{
    private static readonly JsonSerializerOptions s_json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void WriteJsonl(string path, IReadOnlyList<PreferenceExample> rows)
    {
        var text = new StringBuilder();
        foreach (PreferenceExample row in Check(rows)) text.Append(JsonSerializer.Serialize(Fields(row), s_json)).Append('\n');
        AtomicFile.WriteText(path, text.ToString());
    }

    public static void WriteCsv(string path, IReadOnlyList<PreferenceExample> rows)
    {
        var columns = Fields(Check(rows)[0]).Keys.ToList();
        var text = new StringBuilder(string.Join(",", columns)).Append('\n');
        foreach (PreferenceExample row in rows)
        {
            Dictionary<string, object> fields = Fields(row);
            text.Append(string.Join(",", columns.Select(c => Quote(fields.TryGetValue(c, out object? v) ? Cell(v) : "")))).Append('\n');
        }
        AtomicFile.WriteText(path, text.ToString());
    }

    private static IReadOnlyList<PreferenceExample> Check(IReadOnlyList<PreferenceExample> rows)
    {
        if (rows.Count == 0) throw new ArgumentException("no rows to write", nameof(rows));
        PreferenceExample? chat = rows.FirstOrDefault(r => r.Conversational);
        if (chat is not null) throw new ArgumentException($"{chat.Source}: conversational rows cannot be written back as text rows", nameof(rows));
        return rows;
    }

    private static Dictionary<string, object> Fields(PreferenceExample row)
    {
        var fields = new Dictionary<string, object> { ["prompt"] = row.Prompt };
        switch (row.Kind)
        {
            case PreferenceExampleKind.Paired:
                fields["chosen"] = row.Chosen;
                fields["rejected"] = row.Rejected;
                if (row.ChosenScore is double cs && row.RejectedScore is double rs) { fields["chosen_score"] = cs; fields["rejected_score"] = rs; }
                if (row.Margin is double m) fields["margin"] = m;
                break;
            case PreferenceExampleKind.Unpaired:
                fields["completion"] = row.Completion;
                fields["label"] = row.Label!.Value;
                break;
            default:
                fields["responses"] = row.Responses;
                fields["rewards"] = row.Rewards!;
                break;
        }
        return fields;
    }

    private static string Cell(object value) => value switch
    {
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        _ => JsonSerializer.Serialize(value, s_json),
    };

    private static string Quote(string cell) =>
        cell.IndexOfAny([',', '"', '\n', '\r']) >= 0 || cell.Length > 0 && (cell[0] == ' ' || cell[^1] == ' ')
            ? "\"" + cell.Replace("\"", "\"\"") + "\"" : cell;
}
