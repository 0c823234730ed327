// The phases of a long bench (each a `hybrid` child process) made resumable: a finished phase is skipped on --resume, a
// training phase continues from its newest checkpoint, anything else half-written is redone.
using System.Globalization;
using Hybrid.Data;
using Hybrid.Training.Loop;

namespace Hybrid.Bench;

/// <summary>
/// Runs a bench's phases in its work folder and records each finished one as <c>logs/{phase}.done</c> (its wall
/// seconds). With <c>resume</c>, a phase already done is skipped (its recorded time kept for the table); a training
/// phase (<see cref="Train"/>) that a kill interrupted goes on from the newest <c>checkpoint-*</c> in its folder with
/// <c>--resume-from</c> (exactly: the trainers' resume is bit for bit), or starts over with <c>--overwrite</c> when it
/// wrote none; any other phase's output is deleted and the phase run again.
/// </summary>
internal sealed class BenchPhases(string work, bool resume, Func<string, string, string[], double> run, TextWriter log)
{
    /// <summary>Each phase's wall seconds, in order (a resumed training phase: the time of its last part).</summary>
    public List<(string Phase, double Seconds)> Wall { get; } = [];

    private string Done(string phase) => Path.Combine(work, "logs", phase + ".done");

    private bool Skipped(string phase)
    {
        if (!resume || !File.Exists(Done(phase))) return false;
        double seconds = double.Parse(File.ReadAllText(Done(phase)), CultureInfo.InvariantCulture);
        Wall.Add((phase, seconds));
        log.WriteLine($"  [{phase}] done before ({seconds:F1} s); skipped");
        return true;
    }

    private void Finish(string phase, double seconds)
    {
        AtomicFile.WriteText(Done(phase), seconds.ToString("R", CultureInfo.InvariantCulture));
        Wall.Add((phase, seconds));
    }

    /// <summary>A phase whose output (a file or folder, or null) is remade whole when it did not finish.</summary>
    public void Step(string phase, string? output, params string[] args)
    {
        if (Skipped(phase)) return;
        if (output is not null)
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
            else if (File.Exists(output)) File.Delete(output);
        }
        Finish(phase, run(Path.Combine(work, "logs", phase + ".log"), phase, args));
    }

    /// <summary>A training phase (sft, rl) writing to <paramref name="outDir"/>: resumed from its newest checkpoint when one exists.</summary>
    public void Train(string phase, string outDir, params string[] args)
    {
        if (Skipped(phase)) return;
        string? latest = CheckpointRotation.NewestFirst(outDir).FirstOrDefault();
        string[] how = latest is not null ? ["--resume-from", latest] : Directory.Exists(outDir) ? ["--overwrite"] : [];
        if (latest is not null) log.WriteLine($"  [{phase}] resuming from {latest}");
        Finish(phase, run(Path.Combine(work, "logs", phase + (latest is null ? "" : "-resumed") + ".log"), phase, [.. args, .. how]));
    }
}
