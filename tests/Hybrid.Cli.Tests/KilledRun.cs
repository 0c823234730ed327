// The kill-and-resume check the online commands' resume tests share: a run SIGKILLed once its first checkpoint exists and
// resumed from the newest one it left must end as the uninterrupted run did.
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

internal static class KilledRun
{
    public static void Ok((int ExitCode, string Stdout, string Stderr) r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");

    /// <summary>The logged values of <paramref name="output"/>/metrics.jsonl that do not depend on the clock, one string per row.</summary>
    public static string[] Untimed(string output) =>
        File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())
            .Select(row => string.Join(' ', row.Where(kv => !kv.Key.StartsWith("timing_", StringComparison.Ordinal) && !kv.Key.StartsWith("perf/", StringComparison.Ordinal))
                                              .Select(kv => kv.Key + "=" + kv.Value!.ToJsonString()))).ToArray();

    public static int CheckpointIteration(string dir) => int.Parse(Path.GetFileName(dir)["checkpoint-".Length..]);

    /// <summary>
    /// Runs <paramref name="command"/>(<paramref name="whole"/>) uninterrupted (its checkpoints must be
    /// <paramref name="checkpoints"/>); then <paramref name="command"/>(<paramref name="killed"/>) SIGKILLed once its first
    /// checkpoint exists, resumed with --resume-from the newest checkpoint the kill left. The final weights
    /// (<paramref name="weights"/>, relative to the output) and every untimed metrics row must equal the uninterrupted run's.
    /// Returns the iteration resumed after and the resumed run's stdout.
    /// </summary>
    public static (int Iteration, string Stdout) ResumedEqualsUninterrupted(Func<string, string[]> command, string whole, string killed, string weights, string[] checkpoints)
    {
        Ok(HybridProcess.Run(command(whole)));
        Assert.Equal(checkpoints, Directory.GetDirectories(whole, "checkpoint-*").Select(Path.GetFileName).Order());

        bool wasKilled = HybridProcess.RunAndKillWhen(() => Directory.Exists(Path.Combine(killed, checkpoints[0])), TimeSpan.Zero, command(killed));
        Assert.True(wasKilled, "the run ended before it could be killed");
        Assert.False(File.Exists(Path.Combine(killed, weights)), "the killed run wrote its final model");
        string latest = Directory.GetDirectories(killed, "checkpoint-*").Where(d => !d.EndsWith(".tmp", StringComparison.Ordinal)).MaxBy(CheckpointIteration)!;

        var resumed = HybridProcess.Run([.. command(killed), "--resume-from", latest]);
        Ok(resumed);
        Assert.Contains($"(resumed after {CheckpointIteration(latest)})", resumed.Stdout);
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, weights)), File.ReadAllBytes(Path.Combine(killed, weights)));
        Assert.Equal(Untimed(whole), Untimed(killed));
        Assert.Empty(Directory.GetDirectories(killed, "checkpoint-*.tmp"));
        return (CheckpointIteration(latest), resumed.Stdout);
    }

    /// <summary>Runs <paramref name="args"/> expecting exit 2 with the single stderr line "error: <paramref name="expected"/>" and no <paramref name="output"/> folder.</summary>
    public static void Refused(string output, string expected, string[] args)
    {
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Equal("error: " + expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(output), "a refused run created its output folder");
    }
}
