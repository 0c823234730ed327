// The file half of every dataset reader: JSONL or CSV by extension, one parser call per row, errors with file, line and row.
using System.Text.Json;
using CsvHelper;

namespace Hybrid.Data;

/// <summary>
/// Reads a whole <c>.jsonl</c>/<c>.json</c> (one JSON object per line, blank lines skipped) or <c>.csv</c> (CsvHelper: a
/// header row, quoted multi-line cells; short, long or malformed rows are errors) file and turns each row into a
/// <typeparamref name="T"/> through the caller's parser. The rules every command shares live here and in
/// <see cref="DatasetRow"/>: the file must be UTF-8 (<see cref="Utf8Lines"/>), a CSV header must not name a column twice,
/// <paramref name="requiredColumns"/> must be in the header, JSON null is not a value, and an empty file is an error.
/// Nothing is returned unless every row parsed.
/// </summary>
public static class DatasetFile
{
    /// <param name="jsonCell">For CSV: (column, cell) → the cell holds JSON (e.g. a message list); default none.</param>
    public static List<T> Read<T>(string path, Func<DatasetRow, T> parse, IReadOnlyList<string>? requiredColumns = null,
        Func<string, string, bool>? jsonCell = null, string empty = "the dataset has no rows")
    {
        if (Directory.Exists(path)) throw new DatasetException($"{path}: is a folder; give the dataset file (.jsonl or .csv)");
        if (!File.Exists(path)) throw new DatasetException($"{path}: file not found");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        if (ext is not (".jsonl" or ".json" or ".csv"))
            throw new DatasetException($"{path}: unknown dataset extension '{ext}' (expected .jsonl or .csv)");
        Utf8Lines.Validate(path);
        List<T> rows = ext == ".csv" ? ReadCsv(path, parse, requiredColumns ?? [], jsonCell) : ReadJsonl(path, parse);
        return rows.Count > 0 ? rows : throw new DatasetException($"{path}: {empty}");
    }

    /// <summary>The SHA-256 of the file's bytes as lowercase hex: what a checkpoint records to recognise its training data on resume.</summary>
    public static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    private static List<T> ReadJsonl<T>(string path, Func<DatasetRow, T> parse)
    {
        var rows = new List<T>();
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string where = $"{path}:{lineNumber}";
            JsonDocument doc;
            try { doc = JsonDocument.Parse(line); }
            catch (JsonException ex) { throw new DatasetException($"{where}: not valid JSON ({ex.Message})"); }
            using (doc)
            {
                if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new DatasetException($"{where}: the line is not a JSON object");
                rows.Add(parse(DatasetRow.Json(where, doc.RootElement)));
            }
        }
        return rows;
    }

    private static List<T> ReadCsv<T>(string path, Func<DatasetRow, T> parse, IReadOnlyList<string> required, Func<string, string, bool>? jsonCell)
    {
        var rows = new List<T>();
        var options = new CsvReaderOptions
        {
            TrackLineNumbers = true,
            AllowLineBreaksInQuotes = true,                     // multi-line texts are quoted cells
            FieldCountMismatch = CsvFieldCountHandling.Throw,   // a short or long row is an error, not silently padded
            MalformedData = CsvMalformedDataHandling.Throw,
        };
        using CsvReader csv = CsvReader.FromFile(path, options);
        try
        {
            var header = csv.Headers.ToList();
            if (header.Count == 0) throw new DatasetException($"{path}: no header row");
            string? duplicate = header.GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1)?.Key;
            if (duplicate is not null) throw new DatasetException($"{path}:1 (header): column '{duplicate}' is named twice; rename or remove one");
            foreach (string column in required)
                if (!header.Contains(column))
                    throw new DatasetException($"{path}:1 (header): no '{column}' column (columns: {string.Join(", ", header)})");
            while (csv.Read())
            {
                string[] cells = new string[header.Count];
                for (int i = 0; i < cells.Length; i++) cells[i] = csv.GetString(i);
                rows.Add(parse(DatasetRow.Csv($"{path}:{csv.LineNumber} (row {csv.RowNumber})", header, cells, jsonCell)));
            }
        }
        catch (CsvFormatException ex)
        {
            // RecordNumber counts the header as record 1; rows count data records from 1.
            string row = ex.RecordNumber > 1 ? $"row {ex.RecordNumber - 1}" : "header";
            throw new DatasetException($"{path}:{ex.LineNumber} ({row}): malformed CSV ({ex.Message})");
        }
        return rows;
    }
}
