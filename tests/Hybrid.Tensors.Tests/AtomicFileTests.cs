// Writes through AtomicFile either replace the file whole or leave the old one untouched, with no temporary file behind.
using Hybrid.Data;

namespace Hybrid.Tensors.Tests;

public sealed class AtomicFileTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("hybrid-atomic-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void FailedWriteKeepsTheOldFileAndLeavesNoTemporary()
    {
        string path = Path.Combine(_folder, "genai_config.json");
        File.WriteAllText(path, "old");
        var ex = Assert.Throws<IOException>(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("new, but cut short"u8);
            throw new IOException("disk full (simulated)");
        }));
        Assert.Equal("disk full (simulated)", ex.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(_folder));
    }

    [Fact]
    public void SuccessfulWriteReplacesTheFileWhileAnOpenReaderKeepsTheOldBytes()
    {
        string path = Path.Combine(_folder, "model.onnx.data");
        File.WriteAllText(path, "old weights");
        using var reader = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        AtomicFile.Write(path, stream => stream.Write("new weights"u8));
        Assert.Equal("new weights", File.ReadAllText(path));
        using var old = new StreamReader(reader);
        Assert.Equal("old weights", old.ReadToEnd());  // the replaced inode is intact for whoever still holds it
        Assert.Equal([path], Directory.GetFiles(_folder));
    }
}
