// Writes a file through a temporary sibling that is renamed into place, so a failure never leaves a half-written file.
namespace Hybrid.Export;

internal static class AtomicFile
{
    /// <summary>
    /// Runs <paramref name="write"/> on a new temporary file beside <paramref name="path"/> and renames it over
    /// <paramref name="path"/> when it returns. A rename replaces the directory entry only: a reader that has the old file
    /// open or memory-mapped (a live ONNX Runtime session) keeps seeing the old bytes, never a mix.
    /// </summary>
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
}
