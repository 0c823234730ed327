// Which files of a rollout folder make up policy version n, and which of them changed from version n − 1.
namespace Hybrid.Cluster;

/// <summary>
/// The weight syncs name their files by version: the adapter sync writes <c>policy.v{n}.onnx_adapter</c>, the re-export
/// sync <c>{model}.v{n}.onnx.data</c> and a new model file. A file of another version (kept until the engine's last
/// request on it ends) is never part of version n.
/// </summary>
public static class VersionFiles
{
    /// <summary>How version <paramref name="version"/> differs from the one before, and the files that carry the difference.</summary>
    public static (VersionKind Kind, string[] Files) Of(string folder, string modelFile, long version)
    {
        string adapter = $"policy.v{version}.onnx_adapter";
        if (File.Exists(Path.Combine(folder, adapter))) return (VersionKind.Adapter, [adapter]);
        string data = $"{Path.GetFileNameWithoutExtension(modelFile)}.v{version}.onnx.data";
        if (File.Exists(Path.Combine(folder, data))) return (VersionKind.Reexport, [data, modelFile]);
        return (VersionKind.Folder, []);
    }

    /// <summary>Every file of <paramref name="folder"/> that belongs to version <paramref name="version"/> (no other version's files, no hidden or partial ones).</summary>
    public static string[] Folder(string folder, long version) =>
        Directory.GetFiles(folder).Select(f => Path.GetFileName(f))
            .Where(n => !n.StartsWith('.') && !n.Contains(".partial", StringComparison.Ordinal))
            .Where(n => OtherVersion(n) is not long v || v == version)
            .Order(StringComparer.Ordinal).ToArray();

    /// <summary>The version a versioned file name carries (<c>.v{n}.</c>), or null.</summary>
    private static long? OtherVersion(string name)
    {
        int at = name.IndexOf(".v", StringComparison.Ordinal);
        while (at >= 0)
        {
            int end = name.IndexOf('.', at + 2);
            if (end > at + 2 && long.TryParse(name.AsSpan(at + 2, end - at - 2), out long v)) return v;
            at = name.IndexOf(".v", at + 2, StringComparison.Ordinal);
        }
        return null;
    }
}
