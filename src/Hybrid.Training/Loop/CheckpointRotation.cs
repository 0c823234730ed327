// --save-total-limit: after a new checkpoint-{step} is written, the oldest beyond the limit are deleted.

namespace Hybrid.Training.Loop;

/// <summary>
/// transformers' <c>save_total_limit</c>: a run keeps at most N <c>checkpoint-{step}</c> folders in its output, the newest
/// by step; older ones are deleted once a newer one is complete (so a kill during the write still leaves the previous).
/// Staging folders (<c>checkpoint-{step}.tmp</c>) and anything else in the folder are left alone.
/// </summary>
public static class CheckpointRotation
{
    /// <summary>Deletes the oldest <c>checkpoint-{step}</c> folders of <paramref name="outputDir"/> beyond <paramref name="keep"/> (null: keep all).</summary>
    public static IReadOnlyList<string> Prune(string outputDir, int? keep, TextWriter? log = null, string tag = "")
    {
        if (keep is not int limit) return [];
        if (limit < 1) throw new ArgumentOutOfRangeException(nameof(keep), keep, "must be >= 1");
        var deleted = new List<string>();
        foreach (string dir in NewestFirst(outputDir).Skip(limit))
        {
            Directory.Delete(dir, recursive: true);
            deleted.Add(dir);
            log?.WriteLine($"[{tag}] removed {dir} (--save-total-limit {limit})");
        }
        return deleted;
    }

    /// <summary>The complete <c>checkpoint-{step}</c> folders of <paramref name="outputDir"/>, the highest step first (none when it does not exist).</summary>
    public static IReadOnlyList<string> NewestFirst(string outputDir) => !Directory.Exists(outputDir) ? [] :
        Directory.GetDirectories(outputDir, "checkpoint-*")
            .Select(d => (Dir: d, Step: long.TryParse(Path.GetFileName(d)["checkpoint-".Length..], out long step) ? step : -1))
            .Where(c => c.Step >= 0).OrderByDescending(c => c.Step).Select(c => c.Dir).ToList();
}
