// The JSON state file of a resumable checkpoint folder (trainer_state.json, rl_state.json, online_dpo_state.json): written
// atomically, read with one error naming the file, and the same-data check every resume makes.
using System.Text.Json;
using Hybrid.Data;
using Hybrid.Models.Checkpoints;

namespace Hybrid.Training.Loop;

public static class CheckpointStateFile
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Writes <paramref name="state"/> as <paramref name="dir"/>/<paramref name="fileName"/> (snake_case keys), through a temp file.</summary>
    public static void Save<T>(string dir, string fileName, T state) => AtomicFile.WriteText(Path.Combine(dir, fileName), JsonSerializer.Serialize(state, s_json));

    /// <summary>
    /// The state in <paramref name="dir"/>/<paramref name="fileName"/>. A missing file is a <see cref="CheckpointException"/>
    /// "{path}: not found; {<paramref name="missingHint"/>}", malformed JSON "{path}: malformed {<paramref name="what"/>} (…)".
    /// </summary>
    public static T Load<T>(string dir, string fileName, string what, string missingHint) where T : class
    {
        string path = Path.Combine(dir, fileName);
        if (!File.Exists(path)) throw new CheckpointException($"{path}: not found; {missingHint}");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), s_json) ?? throw new CheckpointException($"{path}: empty");
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"{path}: malformed {what} ({ex.Message})");
        }
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> naming --resume-from <paramref name="dir"/> when the checkpoint was trained on
    /// another file than --data (<paramref name="rows"/> rows with SHA-256 <paramref name="sha256"/>); <paramref name="noun"/>
    /// is what the file holds ("data", "prompts").
    /// </summary>
    public static void CheckSameData(string dir, string noun, int savedRows, string savedSha256, int rows, string sha256)
    {
        if (savedSha256 != sha256 || savedRows != rows)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint was trained on other {noun} ({savedRows} rows, sha256 {savedSha256[..Math.Min(12, savedSha256.Length)]}…) " +
                                        $"than --data ({rows} rows, sha256 {sha256[..Math.Min(12, sha256.Length)]}…); resume with the same --data file, or start a new run");
    }
}
