// One run folder read for `hybrid report`: its metrics.jsonl as one series per metric and its run_config.json settings.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Report;

/// <summary>One logged value of a metric: the step (or RL iteration) it was logged at and the value.</summary>
internal readonly record struct MetricPoint(double Step, double Value);

/// <summary>
/// A run as the trainers leave it: <c>metrics.jsonl</c> (one <c>{"step": n, "name": value, ...}</c> object per line;
/// non-finite values are written as strings such as "NaN" and are read here as missing) and, when the run finished,
/// <c>run_config.json</c> (its resolved options).
/// </summary>
internal sealed class RunMetrics
{
    /// <summary>The name the report shows for the run (its folder's name).</summary>
    public required string Name { get; init; }

    public required string Folder { get; init; }

    /// <summary>Each metric's finite values in file order; a metric only ever logged as non-finite has an empty list.</summary>
    public required IReadOnlyDictionary<string, List<MetricPoint>> Series { get; init; }

    /// <summary>run_config.json's options in file order (values as text); empty when the run left none.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Settings { get; init; }

    /// <summary>The last finite value of <paramref name="key"/>, or null when there is none.</summary>
    public double? Last(string key) => Series.TryGetValue(key, out var points) && points.Count > 0 ? points[^1].Value : null;

    /// <summary>Reads a run folder; a missing folder or file, or a line that is not a metrics object, throws naming the file and line.</summary>
    public static RunMetrics Read(string folder)
    {
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no such run folder");
        string metricsPath = Path.Combine(folder, "metrics.jsonl");
        if (!File.Exists(metricsPath)) throw new FileNotFoundException($"{metricsPath}: not found (is {folder} the --out folder of a training run?)");
        return new RunMetrics
        {
            Name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(folder))),
            Folder = folder,
            Series = ReadMetrics(metricsPath),
            Settings = ReadSettings(Path.Combine(folder, "run_config.json")),
        };
    }

    private static Dictionary<string, List<MetricPoint>> ReadMetrics(string path)
    {
        var series = new Dictionary<string, List<MetricPoint>>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string Where() => $"{path} line {lineNumber}";
            JsonObject row;
            try
            {
                row = JsonNode.Parse(line) as JsonObject ?? throw new InvalidDataException($"{Where()}: expected a JSON object {{\"step\": n, ...}}");
            }
            catch (JsonException e)
            {
                throw new InvalidDataException($"{Where()}: not valid JSON ({Reason(e)})");
            }
            double step = Number(row["step"]) ?? throw new InvalidDataException($"{Where()}: no numeric \"step\"");
            foreach (var (key, node) in row)
            {
                if (key == "step") continue;
                if (!series.TryGetValue(key, out var points)) series[key] = points = [];
                if (Number(node) is double value) points.Add(new MetricPoint(step, value));
            }
        }
        return series;
    }

    /// <summary>A finite JSON number, or null (a missing value, "NaN", "Infinity", text, or anything else).</summary>
    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.GetValue<double>() is var x && double.IsFinite(x) ? x : null;

    private static List<KeyValuePair<string, string>> ReadSettings(string path)
    {
        if (!File.Exists(path)) return [];
        JsonObject options;
        try
        {
            options = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object of options");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({Reason(e)})");
        }
        return options.Select(kv => KeyValuePair.Create(kv.Key, Text(kv.Value))).ToList();
    }

    /// <summary>System.Text.Json's message without its " Path: … | LineNumber: … | BytePositionInLine: …" tail (the error names the line).</summary>
    private static string Reason(JsonException e)
    {
        string message = e.Message;
        int tail = message.IndexOf(" Path:", StringComparison.Ordinal) is >= 0 and var p ? p : message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return (tail >= 0 ? message[..tail] : message).TrimEnd('.', ' ', '|');
    }

    private static string Text(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonArray a => string.Join(", ", a.Select(Text)),
        _ => node.ToJsonString(),
    };
}
