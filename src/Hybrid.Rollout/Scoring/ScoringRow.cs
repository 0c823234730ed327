// One row of a scoring file: where it came from, the fields to write back, and the text the reward model scores.
using System.Text.Json.Nodes;

namespace Hybrid.Rollout.Scoring;

/// <summary>
/// A row to score. <see cref="Text"/> is what the reward model reads (see <see cref="ScoringText"/>); the original fields
/// travel unchanged in <see cref="Json"/> (JSONL) or <see cref="Cells"/> (CSV) so the output is the input plus a score.
/// </summary>
/// <param name="Index">0-based position in the file's rows (blank JSONL lines are not rows).</param>
/// <param name="Source"><c>file:line</c> (JSONL) or <c>file:line (row N)</c> (CSV), the prefix of every error about the row.</param>
/// <param name="Text">The text scored.</param>
public sealed record ScoringRow(int Index, string Source, string Text)
{
    /// <summary>JSONL: the line's object as read.</summary>
    public JsonObject? Json { get; init; }

    /// <summary>CSV: the row's cells, in header order.</summary>
    public string[]? Cells { get; init; }
}

/// <summary>A whole scoring file: its format, the CSV header (null for JSONL), and its rows in file order.</summary>
public sealed record ScoringDataset(string Path, ScoringFormat Format, IReadOnlyList<string>? Header, IReadOnlyList<ScoringRow> Rows);
