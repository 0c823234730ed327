// A console that shows a run's progress in place: told the run's length once, then given each logged metrics row.

namespace Hybrid.Training.Metrics;

/// <summary>
/// Implemented by the <c>log</c> writer a trainer is given when that writer draws a live progress display (the CLI on a
/// terminal). Trainers announce their length through <see cref="Announce"/>, and <see cref="MetricsLog"/> hands it each
/// row instead of printing the plain <c>[step n] name value …</c> line. Any other writer gets the plain lines.
/// </summary>
public interface IProgressSink
{
    /// <summary>The run (sft, dpo, reward, rl, online-dpo, spin) has <paramref name="totalSteps"/> optimizer steps or iterations and starts after <paramref name="startStep"/> (a resumed run).</summary>
    void Begin(string run, long totalSteps, long startStep);

    /// <summary>Step <paramref name="step"/>'s logged row, as written to metrics.jsonl.</summary>
    void Row(long step, IReadOnlyDictionary<string, double> values);

    /// <summary>Tells <paramref name="log"/> the run's length when it shows progress; does nothing for a plain writer.</summary>
    static void Announce(TextWriter? log, string run, long totalSteps, long startStep = 0)
    {
        if (log is IProgressSink sink) sink.Begin(run, totalSteps, startStep);
    }
}
