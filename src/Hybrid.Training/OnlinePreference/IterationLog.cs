// What an online-preference driver reports: one metrics row per iteration, with the policy version its rollouts used.
using Hybrid.Training.Metrics;

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// Iteration <see cref="Iteration"/> (1-based): <see cref="RolloutVersion"/> is the policy version every rollout of the
/// iteration was sampled with (from the rollout batch itself), <see cref="PolicyVersion"/> the engine's version after the
/// iteration's weight sync. <see cref="Metrics"/> is the row written to metrics.jsonl.
/// </summary>
public sealed record IterationLog(int Iteration, long RolloutVersion, long PolicyVersion, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// Every iteration's row, the wall time of the whole run in seconds, and (online DPO with evaluation prompts) the initial
/// policy's <c>eval/reward</c>, also written as the step-0 row of metrics.jsonl; with load_best_model_at_end the
/// evaluation whose model was saved.
/// </summary>
public sealed record OnlinePreferenceResult(IReadOnlyList<IterationLog> Iterations, double Seconds, double? InitialEvalReward = null,
    Hybrid.Training.Loop.BestEvaluation? Best = null);

/// <summary>Writes iteration rows to {dir}/metrics.jsonl (and the console) when a folder is given; otherwise only to the console.</summary>
internal sealed class IterationMetrics(string? outputDir, TextWriter? console) : IDisposable
{
    private readonly MetricsLog? _file = outputDir is null ? null : Open(outputDir, console);

    /// <summary>
    /// Closes iteration <paramref name="iteration"/>'s row: adds <c>policy/rollout_version</c>, <c>policy/version</c> and
    /// <c>timing_s/step</c> (the sum of its <c>timing_s/*</c> phases), writes it and returns it as the iteration's log entry.
    /// </summary>
    public IterationLog Complete(int iteration, long rolloutVersion, long policyVersion, Dictionary<string, double> m)
    {
        m["policy/rollout_version"] = rolloutVersion;
        m["policy/version"] = policyVersion;
        m["timing_s/step"] = m.Where(kv => kv.Key.StartsWith("timing_s/", StringComparison.Ordinal)).Sum(kv => kv.Value);
        Write(iteration, m);
        return new IterationLog(iteration, rolloutVersion, policyVersion, m);
    }

    public void Write(long step, IReadOnlyDictionary<string, double> values)
    {
        if (_file is not null) _file.Write(step, values);
        else if (console is IProgressSink progress) progress.Row(step, values);
        else console?.WriteLine($"[iteration {step}] " + string.Join("  ", values.Select(kv => $"{kv.Key} {kv.Value:G4}")));
    }

    private static MetricsLog Open(string dir, TextWriter? console)
    {
        Directory.CreateDirectory(dir);
        return new MetricsLog(Path.Combine(dir, "metrics.jsonl"), console);
    }

    public void Dispose() => _file?.Dispose();
}

/// <summary>Phase timing for the drivers' metrics rows.</summary>
internal static class PhaseClock
{
    /// <summary>Seconds since the last lap (or the start), and restarts the clock.</summary>
    public static double Lap(System.Diagnostics.Stopwatch clock)
    {
        double seconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        return seconds;
    }
}
