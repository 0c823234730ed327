// Named-tensor save/load in the safetensors format: round trips, a byte-exact file built by hand, hostile headers.
using System.Buffers.Binary;
using System.Text;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Serialization;

namespace Hybrid.Tensors.Tests;

public sealed class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void RoundTripKeepsNamesDtypesShapesAndValues()
    {
        string path = Path.Combine(_dir, "m.safetensors");
        long baseline = TensorUtil.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            var tensors = new Dictionary<string, Tensor>
            {
                ["model.embed_tokens.weight"] = torch.tensor(new float[] { 1.5f, -2, 3.25f, 0 }, [2, 2]),
                ["bf16"] = torch.tensor(new float[] { 1, -0.5f, 256 }).to(ScalarType.BFloat16),
                ["ids"] = torch.tensor(new long[] { 7, -1, long.MaxValue }),
                ["mask"] = torch.tensor(new[] { true, false }),
                ["scalar"] = torch.tensor(4.0, ScalarType.Float64),
            };
            SafeTensors.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        }
        var loaded = SafeTensors.Load(path);
        try
        {
            Assert.Equal(new float[] { 1.5f, -2, 3.25f, 0 }, loaded["model.embed_tokens.weight"].data<float>().ToArray());
            Assert.Equal([2L, 2], loaded["model.embed_tokens.weight"].shape);
            Assert.Equal(ScalarType.BFloat16, loaded["bf16"].dtype);
            using (NewDisposeScope()) Assert.Equal(new float[] { 1, -0.5f, 256 }, loaded["bf16"].to(ScalarType.Float32).data<float>().ToArray());
            Assert.Equal(new long[] { 7, -1, long.MaxValue }, loaded["ids"].data<long>().ToArray());
            Assert.Equal(new[] { true, false }, loaded["mask"].data<bool>().ToArray());
            Assert.Empty(loaded["scalar"].shape);
            Assert.Equal(4.0, loaded["scalar"].ToDouble());
            Assert.Equal("pt", SafeTensors.ReadHeader(path).Metadata["format"]);
        }
        finally
        {
            foreach (var t in loaded.Values) t.Dispose();
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
        Assert.Single(Directory.GetFiles(_dir));  // no temporary file left behind
    }

    [Fact]
    public void ReadsAFileWrittenByHandFromTheSpec()
    {
        // Header {"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}; F16 bits 0x3C00 = 1.0, 0xC000 = -2.0.
        string path = Write("hand.safetensors", """{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}""", [0x00, 0x3C, 0x00, 0xC0]);
        var loaded = SafeTensors.Load(path);
        using var a = loaded["a"];
        using var scope = NewDisposeScope();
        Assert.Equal(ScalarType.Float16, a.dtype);
        Assert.Equal(new float[] { 1, -2 }, a.to(ScalarType.Float32).data<float>().ToArray());
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 4, "tensor 'a': field 'data_offsets' spans 4 bytes but F32 [2] needs 8")]
    [InlineData("""{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}""", 4, "tensor 'a': field 'dtype' = 'Q4' is not supported")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "tensor 'a': field 'shape' has a negative size -1")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 12, "tensors cover 4 bytes of data but the file holds 12")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", 6, "tensor 'b': data_offsets begin at 2, expected 4")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}""", 4, "tensor 'a': field 'shape' overflows")]
    [InlineData("""{"a":{"dtype":"F32","data_offsets":[0,4]}}""", 4, "tensor 'a': field 'shape' is missing or not an array")]
    [InlineData("""[1,2]""", 0, "header is not a JSON object")]
    [InlineData("""{"a":""", 0, "header is not valid JSON")]
    public void HostileHeadersAreRejectedNamingTheField(string header, int dataBytes, string expected)
    {
        string path = Write("bad.safetensors", header, new byte[dataBytes]);
        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Load(path));
        Assert.Contains(expected, ex.Message);
        Assert.StartsWith(path, ex.Message);
    }

    [Fact]
    public void HeaderLengthPastEndOfFileIsRejectedBeforeAllocating()
    {
        string path = Path.Combine(_dir, "huge.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue / 2);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("exceeds the", Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Load(path)).Message);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("runs past the end of the file", Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Load(path)).Message);
        File.WriteAllBytes(path, new byte[3]);
        Assert.Contains("shorter than the 8-byte header length", Assert.Throws<SafeTensorsFormatException>(() => SafeTensors.Load(path)).Message);
    }

    private string Write(string name, string header, byte[] data)
    {
        string path = Path.Combine(_dir, name);
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
