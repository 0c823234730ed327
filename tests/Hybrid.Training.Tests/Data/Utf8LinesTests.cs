// Utf8Lines: the first invalid byte is reported at its line and column, across the reader's 1 MiB blocks.
using System.Text;
using Hybrid.Data;

namespace Hybrid.Training.Tests.Data;

public sealed class Utf8LinesTests : IDisposable
{
    private readonly string _path = Path.GetTempFileName();

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void ValidTextPassesEvenWhenACharacterStraddlesABlockBoundary()
    {
        foreach (int pad in new[] { (1 << 20) - 1, (1 << 20) - 2, (1 << 20) - 3 })
        {
            // a 4-byte character (U+1F600) whose bytes fall on both sides of the 1 MiB block edge
            File.WriteAllBytes(_path, [.. Encoding.ASCII.GetBytes(new string('a', pad)), .. Encoding.UTF8.GetBytes("\U0001F600\nend\n")]);
            Utf8Lines.Validate(_path);
        }
    }

    [Fact]
    public void TheFirstInvalidByteIsNamedByLineAndColumn()
    {
        // line 2 is "naïve caf" + 0xE9 (Latin-1 é): n, a, ï (2 bytes), v, e, space, c, a, f, then the bad byte at column 11
        File.WriteAllBytes(_path, [.. Encoding.UTF8.GetBytes("{\"a\": 1}\nnaïve caf"), 0xE9, .. Encoding.UTF8.GetBytes("\n")]);
        var ex = Assert.Throws<DatasetException>(() => Utf8Lines.Validate(_path));
        Assert.Equal($"{_path}:2: not valid UTF-8 (column 11, byte 0xE9); save the file as UTF-8", ex.Message);
    }

    [Fact]
    public void AnInvalidByteAfterTheFirstBlockIsOnTheRightLine()
    {
        var bytes = new List<byte>();
        for (int i = 0; i < 40_000; i++) bytes.AddRange(Encoding.UTF8.GetBytes($"{{\"n\": {i:D20}}}\n"));  // 30 bytes a line, 1.2 MB
        bytes.AddRange([0x41, 0x42, 0xFF, 0x0A]);
        File.WriteAllBytes(_path, bytes.ToArray());
        var ex = Assert.Throws<DatasetException>(() => Utf8Lines.Validate(_path));
        Assert.Equal($"{_path}:40001: not valid UTF-8 (column 3, byte 0xFF); save the file as UTF-8", ex.Message);
    }

    [Fact]
    public void AFileThatEndsInsideACharacterIsNamed()
    {
        File.WriteAllBytes(_path, [.. Encoding.UTF8.GetBytes("ok\nab"), 0xE2, 0x82]);   // the first two bytes of '€'
        var ex = Assert.Throws<DatasetException>(() => Utf8Lines.Validate(_path));
        Assert.Equal($"{_path}:2: not valid UTF-8 (column 3, the file ends inside a character); save the file as UTF-8", ex.Message);
    }
}
