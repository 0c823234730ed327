// The adapter encoder, decoded by hand per ORT's adapter_schema.fbs (no flatbuffers library on either side).
using System.Buffers.Binary;
using System.Text;
using Hybrid.Tensors;
using Hybrid.Training.WeightSync;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Rollout.Tests;

public sealed class OnnxAdapterWriterTests
{
    [Fact]
    public void BytesDecodeByHandToTheParameters()
    {
        using var scope = NewDisposeScope();
        Tensor a = torch.tensor(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Tensor b = torch.tensor(new float[] { -0.5f }, [1]);
        using var stream = new MemoryStream();
        OnnxAdapterWriter.Write(stream, [("layer.0.w", a), ("bias_é", b)], adapterVersion: 7, modelVersion: 3);
        byte[] f = stream.ToArray();

        int U32(int at) => checked((int)BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(at)));
        int I32(int at) => BinaryPrimitives.ReadInt32LittleEndian(f.AsSpan(at));
        int U16(int at) => BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(at));
        // Field i of the table at t: its vtable is at t − soffset; entry 2 + i holds the field's offset in the table.
        int Field(int table, int i) { int vtable = table - I32(table); return table + U16(vtable + 4 + 2 * i); }
        int Follow(int at) => at + U32(at);  // uoffset: relative to where it is stored

        Assert.Equal("TORT", Encoding.ASCII.GetString(f, 4, 4));
        int adapter = U32(0);
        Assert.Equal(OnnxAdapterWriter.FormatVersion, I32(Field(adapter, 0)));
        Assert.Equal(7, I32(Field(adapter, 1)));
        Assert.Equal(3, I32(Field(adapter, 2)));
        int vector = Follow(Field(adapter, 3));
        Assert.Equal(2, U32(vector));

        (string Name, long[] Dims, int Type, float[] Data) Parameter(int index)
        {
            int table = Follow(vector + 4 + 4 * index);
            int name = Follow(Field(table, 0));
            int dims = Follow(Field(table, 1));
            int raw = Follow(Field(table, 3));
            Assert.Equal(0, f[name + 4 + U32(name)]);                    // strings are 0-terminated
            Assert.Equal(0, (dims + 4) % 8);                            // int64 elements 8-aligned
            Assert.Equal(0, (raw + 4) % 8);                             // raw_data (force_align: 8)
            long[] shape = Enumerable.Range(0, U32(dims)).Select(i => BinaryPrimitives.ReadInt64LittleEndian(f.AsSpan(dims + 4 + 8 * i))).ToArray();
            float[] data = Enumerable.Range(0, U32(raw) / 4).Select(i => BinaryPrimitives.ReadSingleLittleEndian(f.AsSpan(raw + 4 + 4 * i))).ToArray();
            return (Encoding.UTF8.GetString(f, name + 4, U32(name)), shape, I32(Field(table, 2)), data);
        }

        var first = Parameter(0);
        Assert.Equal("layer.0.w", first.Name);
        Assert.Equal(new long[] { 2, 3 }, first.Dims);
        Assert.Equal(OnnxAdapterWriter.FloatDataType, first.Type);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, first.Data);
        var second = Parameter(1);
        Assert.Equal("bias_é", second.Name);
        Assert.Equal(new long[] { 1 }, second.Dims);
        Assert.Equal(new float[] { -0.5f }, second.Data);
    }

    [Fact]
    public void NonFloatParametersAreRefusedByName()
    {
        using var scope = NewDisposeScope();
        Tensor ids = torch.tensor(new long[] { 1, 2 }, [2]);
        var error = Assert.Throws<ArgumentException>(() => OnnxAdapterWriter.Write(new MemoryStream(), [("ids", ids)]));
        Assert.Contains("'ids'", error.Message);
    }
}
