// A fresh temporary folder per test, deleted afterwards.
namespace Hybrid.Onnx.Tests;

/// <summary>Creates a unique folder under the system temp path and deletes it (recursively) on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder(string label)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hybrid-tests", $"{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string this[string relative] => System.IO.Path.Combine(Path, relative);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A memory-mapped file still open elsewhere; the OS temp cleaner will take it.
        }
    }
}
