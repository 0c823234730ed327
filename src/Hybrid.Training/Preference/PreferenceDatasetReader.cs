// Reads preference rows (the shared dataset reader, JSONL or CSV) in TRL's shapes, rejecting bad rows with file, line and field.
using System.Text.Json;
using Hybrid.Data;

namespace Hybrid.Training.Preference;

/// <summary>
/// Loads a whole preference dataset file; nothing is returned unless every row is valid. Shapes (see <see cref="PreferenceExample"/>):
/// <code>
/// {"prompt": "2+2=", "chosen": "4", "rejected": "5"}                       explicit prompt (+ optional chosen_score, rejected_score, margin)
/// {"chosen": "2+2=4", "rejected": "2+2=5"}                                 implicit prompt: the longest common prefix
/// {"chosen": [{"role": "user", …}, {"role": "assistant", …}], "rejected": […]}   conversational: the shared leading messages are the prompt
/// {"prompt": "2+2=", "completion": "4", "label": true}                     unpaired (KTO)
/// {"prompt": "2+2=", "responses": ["4", "3", "9"], "rewards": [1, 0.5, 0]}  K-wise ranking (RRHF, K-wise RM)
/// </code>
/// JSONL: one object per line, blank lines skipped. CSV: a header naming the same fields; <c>responses</c> and
/// <c>rewards</c> cells hold JSON arrays, a text cell starting with <c>[{</c> holds a JSON message list, <c>label</c> is
/// true/false/1/0, and an empty score cell means "absent". One file holds one shape.
/// </summary>
public static class PreferenceDatasetReader
{
    private static readonly HashSet<string> JsonCells = ["responses", "rewards"];

    public static IReadOnlyList<PreferenceExample> Read(string path)
    {
        List<PreferenceExample> rows = DatasetFile.Read(path, row => PreferenceRowParser.Parse(row.Where, name => row.Field(name)?.Clone()),
            jsonCell: (name, cell) => JsonCells.Contains(name) || cell.TrimStart().StartsWith("[{", StringComparison.Ordinal));
        PreferenceExample first = rows[0];
        PreferenceExample? other = rows.FirstOrDefault(r => r.Kind != first.Kind || r.Conversational != first.Conversational);
        if (other is not null)
            throw new DatasetException($"{other.Source}: row is {Describe(other)} but earlier rows are {Describe(first)}; one file holds one shape");
        return rows;
    }

    private static string Describe(PreferenceExample row) =>
        (row.Conversational ? "conversational " : "") + row.Kind switch
        {
            PreferenceExampleKind.Paired => "'chosen'/'rejected'",
            PreferenceExampleKind.Unpaired => "'completion'/'label'",
            _ => "'responses'/'rewards'",
        };
}
