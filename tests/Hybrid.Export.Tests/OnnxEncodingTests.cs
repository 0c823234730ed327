// The ONNX protobuf messages encode with the specification's field numbers, and saved models read back intact.
using System.Runtime.InteropServices;
using Google.Protobuf;
using Hybrid.Export.Onnx;
using DataType = Hybrid.Export.Onnx.TensorProto.Types.DataType;

namespace Hybrid.Export.Tests;

public sealed class OnnxEncodingTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "hybrid-tests", $"onnx-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_folder))
            Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void IntAttributeEqualToZeroIsStillWrittenWithItsType()
    {
        // Hand-encoded protobuf: key = (field << 3) | wire type.
        //   name = 1, LEN: 0x0A, 4, "axis" | i = 3, VARINT: 0x18, 0 | type = 20, VARINT: 0xA0 0x01 (160), INT = 2
        byte[] expected = [0x0A, 4, (byte)'a', (byte)'x', (byte)'i', (byte)'s', 0x18, 0x00, 0xA0, 0x01, 0x02];

        Assert.Equal(expected, OnnxAttributes.Int("axis", 0).ToByteArray());
    }

    [Fact]
    public void IntsAttributeUsesField8AndType7()
    {
        // name: 0x0A 4 "perm" | ints = 8, unpacked proto2 VARINTs: 0x40 v | type = 20: 0xA0 0x01 7
        byte[] expected = [0x0A, 4, (byte)'p', (byte)'e', (byte)'r', (byte)'m', 0x40, 0, 0x40, 2, 0x40, 1, 0x40, 3, 0xA0, 0x01, 0x07];

        Assert.Equal(expected, OnnxAttributes.Ints("perm", 0, 2, 1, 3).ToByteArray());
    }

    [Fact]
    public void ModelHeaderCarriesIrVersionAndOpsetWithTheSpecFieldNumbers()
    {
        var model = new OnnxGraphBuilder("g").Build(producerName: "p", producerVersion: "1");
        byte[] bytes = model.ToByteArray();

        // ir_version = 1 (VARINT 8) comes first: 0x08 0x08; producer_name = 2: 0x12 1 'p'; producer_version = 3: 0x1A 1 '1'.
        Assert.Equal([0x08, 0x08, 0x12, 1, (byte)'p', 0x1A, 1, (byte)'1'], bytes[..8]);
        // opset_import = 8 (LEN, key 0x42) holding { domain = 1: "" (0x0A 0), version = 2: 17 (0x10 0x11) }.
        Assert.Equal([0x42, 4, 0x0A, 0, 0x10, 17], bytes[^6..]);
    }

    [Fact]
    public void SavedModelKeepsIntegersInlineAndMovesLargeFloatsToAlignedExternalData()
    {
        var g = new OnnxGraphBuilder("external");
        g.AddInput("x", DataType.Float, "n", 300);
        float[] big = Enumerable.Range(0, 300 * 2).Select(i => i * 0.5f).ToArray(); // 2400 bytes: external
        float[] big2 = Enumerable.Range(0, 300).Select(i => -i * 1f).ToArray();      // 1200 bytes: external
        g.AddInitializer("w", big, 300, 2);
        g.AddInitializer("w2", big2, 300);
        g.AddInitializer("small", [1f, 2f], 2);                                       // 8 bytes: inline
        g.AddInt64Initializer("shape", [0, 0, 4, 8], 4);                              // int64: always inline
        string y = g.AddNode("MatMul", "/mm/MatMul", ["x", "w"]);
        g.AddOutput(y, DataType.Float, "n", 2);

        Assert.Equal(2, OnnxModelWriter.Save(g.Build(), _folder));

        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(_folder, "model.onnx")));
        byte[] data = File.ReadAllBytes(Path.Combine(_folder, "model.onnx.data"));
        Assert.Equal(8, model.IrVersion);
        Assert.Equal(17, Assert.Single(model.OpsetImport).Version);

        var tensors = model.Graph.Initializer.ToDictionary(t => t.Name);
        AssertExternal(tensors["w"], big, data, expectedOffset: 0);
        AssertExternal(tensors["w2"], big2, data, expectedOffset: 4096); // the next page after 2400 bytes
        Assert.Equal([1f, 2f], MemoryMarshal.Cast<byte, float>(tensors["small"].RawData.Span).ToArray());
        Assert.Empty(tensors["small"].ExternalData);
        Assert.Equal([0L, 0, 4, 8], MemoryMarshal.Cast<byte, long>(tensors["shape"].RawData.Span).ToArray());
        Assert.Equal((int)DataType.Int64, tensors["shape"].DataType);
        Assert.False(tensors["shape"].HasDataLocation);

        Assert.Equal("/mm/MatMul", Assert.Single(model.Graph.Node).Name);
        Assert.Equal(["n", "300"], model.Graph.Input[0].Type.TensorType.Shape.Dim.Select(d => d.HasDimParam ? d.DimParam : d.DimValue.ToString()));
    }

    [Fact]
    public void SavedModelMovesLargeUInt8WeightsToExternalDataAndKeepsSmallOnesInline()
    {
        var g = new OnnxGraphBuilder("packed");
        byte[] packed = Enumerable.Range(0, 2048).Select(i => (byte)(i * 7)).ToArray();  // 2048 bytes: external
        g.AddUInt8Initializer("w_Q4", packed, 64, 2, 16);
        g.AddUInt8Initializer("w_zero_points", [0x21, 0x43], 2, 1);                     // 2 bytes: inline
        g.AddInitializer("w_scales", [0.5f, 0.25f], 2);

        Assert.Equal(1, OnnxModelWriter.Save(g.Build(), _folder));

        ModelProto model = ModelProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(_folder, "model.onnx")));
        byte[] data = File.ReadAllBytes(Path.Combine(_folder, "model.onnx.data"));
        var tensors = model.Graph.Initializer.ToDictionary(t => t.Name);
        TensorProto q4 = tensors["w_Q4"];
        Assert.Equal((int)DataType.Uint8, q4.DataType);
        Assert.Equal([64L, 2, 16], q4.Dims);
        Assert.Equal(TensorProto.Types.DataLocation.External, q4.DataLocation);
        var entries = q4.ExternalData.ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(("0", "2048"), (entries["offset"], entries["length"]));
        Assert.Equal(packed, data[..2048]);
        Assert.Equal(new byte[] { 0x21, 0x43 }, tensors["w_zero_points"].RawData.ToByteArray());
        Assert.Empty(tensors["w_zero_points"].ExternalData);
    }

    [Fact]
    public void BuilderRejectsDuplicateNamesAndWrongElementCounts()
    {
        var g = new OnnxGraphBuilder("checks");
        g.AddInitializer("w", [1f, 2f], 2);

        Assert.Contains("already used", Assert.Throws<ArgumentException>(() => g.AddInitializer("w", [1f], 1)).Message);
        Assert.Contains("holds 6 elements but 4 were given",
            Assert.Throws<ArgumentException>(() => g.AddInitializer("v", [1f, 2f, 3f, 4f], 2, 3)).Message);
    }

    private static void AssertExternal(TensorProto tensor, float[] values, byte[] data, long expectedOffset)
    {
        var entries = tensor.ExternalData.ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(TensorProto.Types.DataLocation.External, tensor.DataLocation);
        Assert.False(tensor.HasRawData);
        Assert.Equal("model.onnx.data", entries["location"]);
        Assert.Equal(expectedOffset.ToString(), entries["offset"]);
        Assert.Equal((values.Length * 4).ToString(), entries["length"]);
        Assert.Equal(values, MemoryMarshal.Cast<byte, float>(data.AsSpan((int)expectedOffset, values.Length * 4)).ToArray());
    }
}
