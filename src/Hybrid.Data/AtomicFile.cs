// Writes a file through a temporary sibling that is renamed into place, so a failure never leaves a half-written file.
using System.Text;

namespace Hybrid.Data;

/// <summary>
/// The one way Hybrid writes output files (checkpoints, configs, exports, metrics snapshots). A rename replaces the
/// directory entry only: a reader that has the old file open or memory-mapped (a live ONNX Runtime session maps its
/// external weights) keeps seeing the old bytes, never a mix of old and new.
/// </summary>
public static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a new temporary file beside <paramref name="path"/>, then renames it over <paramref name="path"/>.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        string temp = $"{path}.tmp-{Guid.NewGuid():N}";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write)) write(stream);
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Writes <paramref name="text"/> as UTF-8 (no byte-order mark) atomically.</summary>
    public static void WriteText(string path, string text) => Write(path, s => s.Write(Encoding.UTF8.GetBytes(text)));
}
