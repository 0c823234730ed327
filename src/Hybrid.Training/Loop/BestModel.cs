// load_best_model_at_end: the best evaluation of a run so far, its model kept in {out}/best-model-{step}/, published as the final model.
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;

namespace Hybrid.Training.Loop;

/// <summary>The evaluation a run with load_best_model_at_end kept: its metric, step and value.</summary>
public sealed record BestEvaluation(string Metric, long Step, double Value);

/// <summary>
/// The best evaluation of a run on one logged metric (a strictly better value wins; a tie
/// keeps the earlier model; NaN and infinities never win), with the model of that step in
/// <c>{OutputDir}/best-model-{step}/</c> and a <c>best_model.json</c> beside its weights naming metric, value and step.
/// A new best is staged, renamed into place whole, and only then is the old one removed, so a kill at any point leaves
/// at least one complete best-model folder, and a resumed run goes on comparing against it.
/// </summary>
internal sealed class BestModel
{
    public const string FolderPrefix = "best-model-";
    private const string StateFile = "best_model.json";

    private readonly string _outputDir, _metric;
    private readonly bool _greaterIsBetter;
    private readonly Action<IEnumerable<string>> _checkMetric;

    private BestModel(string outputDir, string metric, bool greaterIsBetter, Action<IEnumerable<string>> checkMetric) =>
        (_outputDir, _metric, _greaterIsBetter, _checkMetric) = (outputDir, metric, greaterIsBetter, checkMetric);

    /// <summary>The step of the best evaluation so far (null: none yet) and its value.</summary>
    public long? Step { get; private set; }
    public double Value { get; private set; }

    private string Folder(long step) => Path.Combine(_outputDir, FolderPrefix + step);

    /// <summary>
    /// The tracker of a run into <see cref="TrainingArguments.OutputDir"/> (already claimed) on
    /// <see cref="TrainingArguments.BestModelMetric"/>. Resuming at <paramref name="resumeStep"/>, the best complete
    /// best-model folder of a step up to the checkpoint carries over; those of later steps are removed, since the resumed
    /// run evaluates those steps again.
    /// </summary>
    public static BestModel Open(TrainingArguments args, long? resumeStep) =>
        Open(args.OutputDir, args.BestModelMetric, args.BestModelMetricGreaterIsBetter, resumeStep, args.CheckBestModelMetric);

    /// <summary>
    /// The tracker of a run into <paramref name="outputDir"/> on <paramref name="metric"/>, as the overload above;
    /// <paramref name="checkMetric"/> throws when an evaluation's logged names lack the metric (null: every evaluation logs it).
    /// </summary>
    public static BestModel Open(string outputDir, string metric, bool greaterIsBetter, long? resumeStep, Action<IEnumerable<string>>? checkMetric = null)
    {
        var best = new BestModel(outputDir, metric, greaterIsBetter, checkMetric ?? (_ => { }));
        var found = new List<(long Step, double Value, string Dir)>();
        foreach (string dir in Directory.EnumerateDirectories(outputDir, FolderPrefix + "*"))
            if (resumeStep is long resumed && best.ReadState(dir) is var (step, value) && step <= resumed) found.Add((step, value, dir));
            else Directory.Delete(dir, recursive: true);
        foreach (var (step, value, _) in found.OrderBy(f => f.Step))
            if (best.Step is null || best.Better(value)) (best.Step, best.Value) = (step, value);
        foreach (var (step, _, dir) in found)
            if (step != best.Step) Directory.Delete(dir, recursive: true);
        return best;
    }

    /// <summary>Whether <paramref name="row"/> (an evaluation's logged metrics) beats the best so far.</summary>
    public bool Improves(IReadOnlyDictionary<string, double> row)
    {
        _checkMetric(row.Keys);
        double value = row[_metric];
        return double.IsFinite(value) && (Step is null || Better(value));
    }

    private bool Better(double value) => _greaterIsBetter ? value > Value : value < Value;

    /// <summary>Makes <paramref name="row"/> of <paramref name="step"/> the best, the model written by <paramref name="saveModel"/>.</summary>
    public void Save(long step, IReadOnlyDictionary<string, double> row, Action<string> saveModel)
    {
        // Staged as .best-model.partial-*, which RunFolder removes if a kill leaves it behind.
        string staging = Path.Combine(_outputDir, $".best-model.partial-{Guid.NewGuid():N}");
        long? previous = Step;
        try
        {
            saveModel(staging);
            Record(step, row);
            AtomicFile.WriteText(Path.Combine(staging, StateFile),
                new JsonObject { ["metric"] = _metric, ["value"] = Value, ["step"] = step }.ToJsonString());
            if (Directory.Exists(Folder(step))) Directory.Delete(Folder(step), recursive: true);
            Directory.Move(staging, Folder(step));
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
        if (previous is long old && old != step && Directory.Exists(Folder(old))) Directory.Delete(Folder(old), recursive: true);
    }

    /// <summary>Records <paramref name="row"/> of <paramref name="step"/> as the best without saving a model (the caller saved it).</summary>
    public void Record(long step, IReadOnlyDictionary<string, double> row) => (Step, Value) = (step, row[_metric]);

    /// <summary>
    /// Writes the run's final model into <paramref name="dir"/>: the current weights through <paramref name="saveModel"/>
    /// when the last evaluation (<paramref name="lastRow"/>, of <paramref name="step"/>) beats the best so far, else the
    /// best model's files. Returns the evaluation whose model that is; the best-model folder stays until <see cref="Discard"/>.
    /// </summary>
    public BestEvaluation Finish(string dir, long step, IReadOnlyDictionary<string, double> lastRow, Action<string> saveModel)
    {
        if (Improves(lastRow))
        {
            saveModel(dir);
            Record(step, lastRow);
        }
        else Publish(dir);
        return new BestEvaluation(_metric, Step!.Value, Value);
    }

    /// <summary>Copies the best model's files into <paramref name="outputDir"/>, each staged and renamed into place.</summary>
    public void Publish(string outputDir)
    {
        string staging = Path.Combine(outputDir, $".final.partial-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            string[] files = Directory.GetFiles(Folder(Step!.Value)).Where(f => Path.GetFileName(f) != StateFile).ToArray();
            foreach (string file in files) File.Copy(file, Path.Combine(staging, Path.GetFileName(file)));
            foreach (string file in files) File.Move(Path.Combine(staging, Path.GetFileName(file)), Path.Combine(outputDir, Path.GetFileName(file)), overwrite: true);
        }
        finally
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Removes the best-model folder once the final model is written (the output folder then holds the best model).</summary>
    public void Discard()
    {
        foreach (string dir in Directory.EnumerateDirectories(_outputDir, FolderPrefix + "*")) Directory.Delete(dir, recursive: true);
    }

    /// <summary>The step and value in <paramref name="dir"/>/best_model.json when it is there, names this run's metric and parses; else null.</summary>
    private (long Step, double Value)? ReadState(string dir)
    {
        string path = Path.Combine(dir, StateFile);
        if (!File.Exists(path)) return null;
        JsonNode? node;
        try { node = JsonNode.Parse(File.ReadAllText(path)); }
        catch (JsonException) { return null; }
        if (node is not JsonObject o || o["metric"] is not JsonValue m || !m.TryGetValue(out string? metric) || metric != _metric
            || o["step"] is not JsonValue s || !s.TryGetValue(out long step) || o["value"] is not JsonValue v || !v.TryGetValue(out double value))
            return null;
        return (step, value);
    }
}
