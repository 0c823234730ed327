// Writes the scored rows back in the input's format — every original field plus `score` — through an atomic rename.
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using Hybrid.Data;

namespace Hybrid.Rollout.Scoring;

/// <summary>
/// The output of <c>hybrid score</c>: the rows in input order, each with its fields as read plus <c>score</c> — a JSON
/// number appended to each JSONL object, or a last CSV column (an existing <c>score</c> field or column is replaced in
/// place, so a scored file can be rescored). The file is written beside <c>path</c> and renamed over it only when
/// complete (<see cref="AtomicFile"/>): an error leaves no partial output.
/// </summary>
public static class ScoredFileWriter
{
    public const string ScoreField = "score";

    private static readonly JsonSerializerOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes <paramref name="data"/> with <paramref name="scores"/> [N] (one per row) to <paramref name="path"/> in <paramref name="format"/>.</summary>
    public static void Write(string path, ScoringDataset data, IReadOnlyList<float> scores, ScoringFormat format)
    {
        if (scores.Count != data.Rows.Count)
            throw new ArgumentException($"{scores.Count} scores for {data.Rows.Count} rows", nameof(scores));
        for (int i = 0; i < scores.Count; i++)
        {
            if (!float.IsFinite(scores[i]))
                throw new InvalidOperationException($"{data.Rows[i].Source}: the reward model returned {scores[i]} (not finite); the model or its export is broken");
        }
        if (format != data.Format)
            throw new ArgumentException($"the output format ({format}) must be the input's ({data.Format}): name --out with the input's extension");
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        AtomicFile.Write(path, stream =>
        {
            if (format == ScoringFormat.Jsonl) WriteJsonl(stream, data, scores);
            else WriteCsv(stream, data, scores);
        });
    }

    private static void WriteJsonl(Stream stream, ScoringDataset data, IReadOnlyList<float> scores)
    {
        using var text = new StreamWriter(stream, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), leaveOpen: true) { NewLine = "\n" };
        for (int i = 0; i < data.Rows.Count; i++)
        {
            JsonObject obj = data.Rows[i].Json ?? throw new InvalidOperationException($"{data.Rows[i].Source}: a CSV row cannot be written as JSONL");
            obj[ScoreField] = JsonValue.Create(scores[i]);
            text.WriteLine(obj.ToJsonString(JsonOptions));
        }
    }

    private static void WriteCsv(Stream stream, ScoringDataset data, IReadOnlyList<float> scores)
    {
        List<string> header = data.Header?.ToList() ?? throw new InvalidOperationException($"{data.Path}: a JSONL file cannot be written as CSV");
        int scoreColumn = header.IndexOf(ScoreField);
        if (scoreColumn < 0)
        {
            header.Add(ScoreField);
            scoreColumn = header.Count - 1;
        }
        using CsvWriter csv = CsvWriter.Create(stream, CsvWriterOptions.Default, leaveOpen: true);
        csv.WriteHeader(header.ToArray());
        var record = new string[header.Count];
        for (int i = 0; i < data.Rows.Count; i++)
        {
            string[] cells = data.Rows[i].Cells ?? throw new InvalidOperationException($"{data.Rows[i].Source}: a JSONL row cannot be written as CSV");
            cells.CopyTo(record, 0);
            record[scoreColumn] = scores[i].ToString("R", CultureInfo.InvariantCulture);
            csv.WriteRecord(record);
        }
        csv.Flush();
    }
}
