// Writing a received file chunk by chunk, and the one rule for names that come over the wire: plain file names only.
namespace Hybrid.Cluster;

internal static class StagedFile
{
    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> of <paramref name="path"/>; a chunk may not leave a gap.</summary>
    public static void Write(string path, long offset, byte[] data)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.None);
        if (offset < 0 || offset > stream.Length)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"{Path.GetFileName(path)}: chunk at {offset} leaves a gap (file has {stream.Length} bytes)");
        stream.Position = offset;
        stream.Write(data);
    }

    /// <summary>Throws unless the file at <paramref name="path"/> has <paramref name="expected"/>'s length and SHA-256; <paramref name="what"/> names it in the error.</summary>
    public static void Check(string path, VersionFile expected, string what)
    {
        long length = File.Exists(path) ? new FileInfo(path).Length : -1;
        if (length != expected.Length) throw new InvalidDataException($"{what}: {expected.Name} has {length} bytes, the manifest says {expected.Length}");
        string hash = WorkerEngine.Sha256(path);
        if (hash != expected.Sha256) throw new InvalidDataException($"{what}: {expected.Name} has SHA-256 {hash}, the manifest says {expected.Sha256}");
    }

    /// <summary><paramref name="name"/> when it is a plain file name (no folder, not "." or ".."), else an error: names are untrusted input.</summary>
    public static string PlainName(string name) =>
        !string.IsNullOrEmpty(name) && name == Path.GetFileName(name) && name is not "." and not ".." ? name
            : throw new ArgumentException($"'{name}' is not a plain file name");
}
