// Writing a resumable checkpoint-{step} folder: staged whole, renamed into place, then the oldest beyond the limit pruned.
namespace Hybrid.Training.Loop;

/// <summary>
/// The one way every trainer (sft, dpo, reward, rl, online-dpo) writes <c>{outputDir}/checkpoint-{step}</c>: its files
/// go into <c>checkpoint-{step}.tmp</c>, which is renamed into place only once complete, so a killed run leaves either a
/// whole checkpoint or none; then <see cref="CheckpointRotation.Prune"/> applies --save-total-limit.
/// </summary>
public static class CheckpointFolder
{
    /// <summary>
    /// Writes <c>checkpoint-{<paramref name="step"/>}</c> into <paramref name="outputDir"/> through <paramref name="fill"/>
    /// (given the staging folder, which it creates), logs it as <c>[tag] checkpoint …</c>, keeps the newest
    /// <paramref name="keep"/> checkpoints (null: all), and returns the folder.
    /// </summary>
    public static string Write(string outputDir, long step, Action<string> fill, TextWriter? log, string tag, int? keep = null)
    {
        string dir = Path.Combine(outputDir, $"checkpoint-{step}");
        string temp = dir + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        fill(temp);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.Move(temp, dir);
        log?.WriteLine($"[{tag}] checkpoint {dir}");
        CheckpointRotation.Prune(outputDir, keep, log, tag);
        return dir;
    }
}
