// The two file formats scoring reads and writes, chosen by extension.
using Hybrid.Data;

namespace Hybrid.Rollout.Scoring;

/// <summary>JSONL (one JSON object per line) or CSV with a header row; the output keeps the input's format.</summary>
public enum ScoringFormat
{
    Jsonl,
    Csv,
}

/// <summary>Maps file extensions to <see cref="ScoringFormat"/>.</summary>
public static class ScoringFormats
{
    /// <summary><c>.jsonl</c>/<c>.json</c> → JSONL, <c>.csv</c> → CSV; anything else is an error naming the file.</summary>
    public static ScoringFormat FromPath(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".jsonl" or ".json" => ScoringFormat.Jsonl,
        ".csv" => ScoringFormat.Csv,
        string ext => throw new DatasetException($"{path}: unknown extension '{ext}' (expected .jsonl or .csv)"),
    };
}
