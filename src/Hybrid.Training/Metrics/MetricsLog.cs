// Writes training metrics as one JSON object per line (metrics.jsonl) and echoes them to the console.
using System.Globalization;
using System.Text.Json;

namespace Hybrid.Training.Metrics;

/// <summary>
/// Appends <c>{"step": n, "name": value, ...}</c> lines; flushed per line so a crash loses nothing logged. Each row is
/// also printed to <c>console</c>, or handed to it when it is an <see cref="IProgressSink"/> (a live progress display).
/// </summary>
public sealed class MetricsLog(string path, TextWriter? console) : IDisposable
{
    private readonly StreamWriter _file = new(path, append: true) { AutoFlush = true };

    public void Write(long step, IReadOnlyDictionary<string, double> values)
    {
        var row = new Dictionary<string, object> { ["step"] = step };
        foreach (var (k, v) in values) row[k] = double.IsFinite(v) ? v : v.ToString(CultureInfo.InvariantCulture);
        _file.WriteLine(JsonSerializer.Serialize(row));
        if (console is IProgressSink progress) progress.Row(step, values);
        else console?.WriteLine($"[step {step}] " + string.Join("  ", values.Select(kv => $"{kv.Key} {Format(kv.Value)}")));
    }

    private static string Format(double v) =>
        Math.Abs(v) >= 1e4 || v == Math.Floor(v) && Math.Abs(v) >= 1 ? v.ToString("0", CultureInfo.InvariantCulture)
        : Math.Abs(v) < 1e-3 && v != 0 ? v.ToString("0.00e+0", CultureInfo.InvariantCulture)
        : v.ToString("0.0000", CultureInfo.InvariantCulture);

    public void Dispose() => _file.Dispose();
}
