// The file half of every dataset reader: JSONL or CSV by extension, one callback per row, errors with file, line and row.
using System.Text.Json;
using CsvHelper;

namespace Hybrid.Training.Data;

/// <summary>
/// Reads a whole <c>.jsonl</c>/<c>.json</c> (one JSON object per line, blank lines skipped) or <c>.csv</c> (CsvHelper, a
/// header row, quoted multi-line cells, short/long/malformed rows are errors) file and turns each row into a
/// <typeparamref name="T"/> through the caller's parser, which gets the row's location ("file:line" or
/// "file:line (row n)") to put in its own errors; <c>checkHeader</c> returns a CSV header problem (or null). Nothing is returned unless every row parsed; an empty file is an error.
/// The JSON element handed to the parser lives only for the call (clone what you keep).
/// </summary>
internal static class DatasetFile
{
    public static List<T> Read<T>(string path, Func<string, JsonElement, T> jsonRow, Func<string, CsvReader, IReadOnlyList<string>, T> csvRow,
        Func<IReadOnlyList<string>, string?>? checkHeader = null, string empty = "the dataset has no rows")
    {
        if (!File.Exists(path)) throw new DatasetException($"{path}: file not found");
        string ext = Path.GetExtension(path).ToLowerInvariant();
        List<T> rows = ext switch
        {
            ".jsonl" or ".json" => ReadJsonl(path, jsonRow),
            ".csv" => ReadCsv(path, csvRow, checkHeader),
            _ => throw new DatasetException($"{path}: unknown dataset extension '{ext}' (expected .jsonl or .csv)"),
        };
        return rows.Count > 0 ? rows : throw new DatasetException($"{path}: {empty}");
    }

    private static List<T> ReadJsonl<T>(string path, Func<string, JsonElement, T> parse)
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
                rows.Add(parse(where, doc.RootElement));
            }
        }
        return rows;
    }

    private static List<T> ReadCsv<T>(string path, Func<string, CsvReader, IReadOnlyList<string>, T> parse, Func<IReadOnlyList<string>, string?>? checkHeader)
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
            if (checkHeader?.Invoke(header) is string problem) throw new DatasetException($"{path}: {problem}");
            while (csv.Read()) rows.Add(parse($"{path}:{csv.LineNumber} (row {csv.RowNumber})", csv, header));
        }
        catch (CsvFormatException ex)
        {
            // RecordNumber counts the header as a record; rows elsewhere count data records only.
            throw new DatasetException($"{path}:{ex.LineNumber} (row {ex.RecordNumber - 1}): malformed CSV ({ex.Message})");
        }
        return rows;
    }
}
