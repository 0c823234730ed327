// A training run owns its output folder: a lock against concurrent runs, no silent mixing with an earlier run's files.
using System.Text.Json;

namespace Hybrid.Training.Output;

/// <summary>
/// Claimed at the start of a run, before anything is written, and held until it ends:
/// <list type="bullet">
/// <item>a lock file (<see cref="LockFileName"/>, held open exclusively, deleted on release): a second run into the same
/// folder fails at once with a clear error instead of interleaving its files and metrics with the first;</item>
/// <item>a folder holding anything else is refused unless the run resumes from one of its checkpoints or is told to
/// overwrite (then its contents are deleted first), so a new run never appends to an old run's metrics or leaves its
/// stale checkpoints beside the new ones;</item>
/// <item>on resume, <c>metrics.jsonl</c> keeps only the rows up to the checkpoint's step (the rows logged after it are
/// logged again by the resumed run), and staging leftovers of killed writes (<c>checkpoint-N.tmp</c>,
/// <c>.name.partial-*</c>, inside the folder and, for the final model, beside it) are removed in every mode;</item>
/// <item>a folder the claim created and nothing was written into (the run failed before its first output) is removed.</item>
/// </list>
/// </summary>
public sealed class RunFolder : IDisposable
{
    public const string LockFileName = ".hybrid.lock";

    private readonly FileStream _lock;

    private readonly bool _created;

    private RunFolder(string path, FileStream lockFile, bool created)
    {
        Path = path;
        _lock = lockFile;
        _created = created;
    }

    public string Path { get; }

    /// <summary>
    /// Claims <paramref name="path"/> for a run of <paramref name="command"/>. <paramref name="resumeStep"/> is the step of
    /// the checkpoint the run resumes from (null: a new run); <paramref name="canResume"/> says whether the command has
    /// --resume-from (the refusal names it only then). Errors are <see cref="ArgumentException"/>s naming --out.
    /// </summary>
    public static RunFolder Claim(string path, string command, bool overwrite, long? resumeStep, bool canResume = true)
    {
        if (File.Exists(path)) throw new ArgumentException($"--out {path}: is a file; give a folder (it is created when missing)");
        bool created = !Directory.Exists(path);
        try { Directory.CreateDirectory(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"--out {path}: cannot create the folder ({ex.Message})");
        }
        FileStream lockFile;
        try
        {
            lockFile = new FileStream(System.IO.Path.Combine(path, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None,
                bufferSize: 1, FileOptions.DeleteOnClose);
        }
        catch (IOException)
        {
            throw new ArgumentException($"--out {path}: another hybrid run is writing to this folder (it holds {LockFileName}); wait for it to end or choose another --out");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ArgumentException($"--out {path}: not writable ({ex.Message})");
        }
        try
        {
            RemoveStagingLeftovers(path);
            string[] entries = Entries(path);
            if (entries.Length > 0 && resumeStep is null)
            {
                if (!overwrite)
                    throw new ArgumentException($"--out {path}: the folder is not empty ({entries.Length} entries, e.g. '{System.IO.Path.GetFileName(entries[0])}'); " +
                                                "pass --overwrite to replace its contents" +
                                                (canResume ? $", or --resume-from {System.IO.Path.Combine(path, "checkpoint-N")} to continue that {command} run" : ", or choose another --out"));
                foreach (string e in entries)
                {
                    if (Directory.Exists(e)) Directory.Delete(e, recursive: true);
                    else File.Delete(e);
                }
            }
            if (resumeStep is long step) TrimMetrics(System.IO.Path.Combine(path, "metrics.jsonl"), step);
            return new RunFolder(path, lockFile, created);
        }
        catch
        {
            lockFile.Dispose();
            throw;
        }
    }

    private static string[] Entries(string path) =>
        Directory.EnumerateFileSystemEntries(path).Where(e => System.IO.Path.GetFileName(e) != LockFileName).Order(StringComparer.Ordinal).ToArray();

    private static void RemoveStagingLeftovers(string path)
    {
        // The final model is staged beside the folder (HfCheckpoint.Save writes .NAME.partial-* in the parent).
        string full = System.IO.Path.GetFullPath(path).TrimEnd(System.IO.Path.DirectorySeparatorChar);
        if (System.IO.Path.GetDirectoryName(full) is string parent)
            foreach (string dir in Directory.EnumerateDirectories(parent, $".{System.IO.Path.GetFileName(full)}.partial-*"))
                Directory.Delete(dir, recursive: true);
        foreach (string dir in Directory.EnumerateDirectories(path))
        {
            string name = System.IO.Path.GetFileName(dir);
            if ((name.StartsWith("checkpoint-", StringComparison.Ordinal) && name.EndsWith(".tmp", StringComparison.Ordinal))
                || (name.StartsWith('.') && name.Contains(".partial-", StringComparison.Ordinal)))
                Directory.Delete(dir, recursive: true);
        }
    }

    /// <summary>Keeps the rows of <paramref name="metricsPath"/> whose step is at most <paramref name="step"/> (rewritten atomically).</summary>
    private static void TrimMetrics(string metricsPath, long step)
    {
        if (!File.Exists(metricsPath)) return;
        var kept = new List<string>();
        foreach (string line in File.ReadLines(metricsPath))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                if (doc.RootElement.TryGetProperty("step", out JsonElement s) && s.TryGetInt64(out long at) && at <= step) kept.Add(line);
            }
            catch (JsonException) { }  // a line cut by a kill: dropped
        }
        Hybrid.Data.AtomicFile.WriteText(metricsPath, kept.Count == 0 ? "" : string.Join('\n', kept) + "\n");
    }

    /// <summary>Releases the lock; a folder this claim created and nothing was written into (a run that failed at once) is removed.</summary>
    public void Dispose()
    {
        _lock.Dispose();
        try
        {
            if (_created && Directory.Exists(Path) && !Directory.EnumerateFileSystemEntries(Path).Any()) Directory.Delete(Path);
        }
        catch (IOException) { }  // another process wrote into it meanwhile: keep it
    }
}
