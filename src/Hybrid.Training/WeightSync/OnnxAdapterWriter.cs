// Writes an ONNX Runtime adapter file (.onnx_adapter): named float tensors in ORT's flatbuffers schema, identifier "TORT".
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Hybrid.Data;

namespace Hybrid.Training.WeightSync;

/// <summary>
/// Our own encoder of ORT's <c>onnxruntime/lora/adapter_format/adapter_schema.fbs</c> (no flatbuffers package needed):
/// <code>
/// table Parameter { name:string; dims:[int64]; data_type:TensorDataType (int32, FLOAT = 1); raw_data:[uint8] (force_align: 8); }
/// table Adapter   { format_version:int; adapter_version:int; model_version:int; parameters:[Parameter]; }
/// root_type Adapter; file_identifier "TORT";
/// </code>
/// GenAI's <c>Adapters.LoadAdapter</c> reads it; each parameter replaces the graph initializer of the same name that is
/// also declared as a graph input (an overridable weight), for the generators that activate the adapter.
/// <para>
/// Flatbuffers layout, written front to back in one pass (every offset is computed before anything is written, so
/// hundreds of MB stream straight from the tensors to the file):
/// <code>
/// [root uoffset → Adapter table]["TORT"]
/// [Adapter vtable][Adapter table][parameters vector: n uoffsets]
/// per parameter: [vtable][table][name: len, UTF-8, 0][dims: len, int64…][raw_data: len, bytes…]
/// </code>
/// A vtable is <c>uint16 vtable bytes, uint16 table bytes, uint16 offset of each field in the table</c>; a table starts
/// with an int32 <c>table − vtable</c> distance; a uoffset is the unsigned distance from where it is stored to its
/// target (always forward); a vector is a uint32 count then its elements. Tables and lengths are 4-aligned, int64 and
/// raw_data elements 8-aligned. All little-endian.
/// </para>
/// </summary>
public static class OnnxAdapterWriter
{
    /// <summary>The adapter format version ORT 1.2x writes and accepts (<c>kAdapterFormatVersion</c>).</summary>
    public const int FormatVersion = 1;

    /// <summary>The flatbuffers file identifier of ORT adapter files.</summary>
    public const string FileIdentifier = "TORT";

    /// <summary>ONNX <c>TensorProto.DataType.FLOAT</c>, the only element type written.</summary>
    public const int FloatDataType = 1;

    // Every table here has 4 fields of 4 bytes: vtable = 2 + 2 + 4·2 = 12 bytes, table = soffset + 4·4 = 20 bytes.
    private const int Fields = 4, VTableBytes = 4 + 2 * Fields, TableBytes = 4 + 4 * Fields;

    /// <summary>
    /// Writes <paramref name="parameters"/> (float32 CPU tensors; names as the graph's initializers) to
    /// <paramref name="path"/> atomically. <paramref name="adapterVersion"/> and <paramref name="modelVersion"/> are
    /// stored as given (ORT does not interpret them).
    /// </summary>
    public static void Write(string path, IReadOnlyList<(string Name, Tensor Value)> parameters, int adapterVersion = 0, int modelVersion = 0) =>
        AtomicFile.Write(path, stream =>
        {
            using var buffered = new BufferedStream(stream, 1 << 20);
            Write(buffered, parameters, adapterVersion, modelVersion);
        });

    /// <summary>Writes the adapter to <paramref name="stream"/> from its current position (which counts as offset 0).</summary>
    public static void Write(Stream stream, IReadOnlyList<(string Name, Tensor Value)> parameters, int adapterVersion = 0, int modelVersion = 0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Layout layout = Plan(parameters);
        var writer = new Writer(stream);

        writer.UInt32((uint)(layout.AdapterTable - 0));                 // root: uoffset stored at 0
        writer.Bytes(Encoding.ASCII.GetBytes(FileIdentifier));
        writer.PadTo(layout.AdapterVTable);
        VTable(writer);
        writer.PadTo(layout.AdapterTable);
        writer.Int32(layout.AdapterTable - layout.AdapterVTable);       // soffset to the vtable
        writer.Int32(FormatVersion);
        writer.Int32(adapterVersion);
        writer.Int32(modelVersion);
        writer.UInt32((uint)(layout.ParameterVector - writer.Position));
        writer.PadTo(layout.ParameterVector);
        writer.UInt32((uint)parameters.Count);
        for (int i = 0; i < parameters.Count; i++) writer.UInt32((uint)(layout.Parameters[i].Table - writer.Position));

        for (int i = 0; i < parameters.Count; i++)
        {
            ParameterLayout p = layout.Parameters[i];
            Tensor value = parameters[i].Value;
            writer.PadTo(p.VTable);
            VTable(writer);
            writer.PadTo(p.Table);
            writer.Int32(p.Table - p.VTable);
            writer.UInt32((uint)(p.Name - writer.Position));
            writer.UInt32((uint)(p.Dims - writer.Position));
            writer.Int32(FloatDataType);
            writer.UInt32((uint)(p.RawData - writer.Position));
            writer.PadTo(p.Name);
            writer.UInt32((uint)p.NameBytes.Length);
            writer.Bytes(p.NameBytes);
            writer.Bytes([0]);
            writer.PadTo(p.Dims);
            writer.UInt32((uint)value.dim());
            foreach (long d in value.shape) writer.Int64(d);
            writer.PadTo(p.RawData);
            writer.UInt32(checked((uint)(value.NumberOfElements * value.ElementSize)));
            writer.Bytes(MemoryMarshal.AsBytes(value.AsSpan<float>()));
        }
    }

    // A vtable for 4 fields laid out in declaration order after the table's soffset: fields at 4, 8, 12, 16.
    private static void VTable(Writer writer)
    {
        writer.UInt16(VTableBytes);
        writer.UInt16(TableBytes);
        for (int f = 0; f < Fields; f++) writer.UInt16((ushort)(4 + 4 * f));
    }

    private static Layout Plan(IReadOnlyList<(string Name, Tensor Value)> parameters)
    {
        long pos = 8;  // root uoffset + identifier
        long adapterVTable = pos;
        pos += VTableBytes;
        long adapterTable = Align(pos, 4);
        pos = adapterTable + TableBytes;
        long vector = Align(pos, 4);
        pos = vector + 4 + 4L * parameters.Count;
        var layouts = new ParameterLayout[parameters.Count];
        for (int i = 0; i < parameters.Count; i++)
        {
            var (name, value) = parameters[i];
            if (string.IsNullOrEmpty(name)) throw new ArgumentException($"adapter parameter {i} has no name", nameof(parameters));
            if (value.dtype != ScalarType.Float32)
                throw new ArgumentException($"adapter parameter '{name}' is {value.dtype}; adapter files carry float32 here (convert with To(ScalarType.Float32))", nameof(parameters));
            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            long vtable = Align(pos, 4);
            long table = Align(vtable + VTableBytes, 4);
            long nameAt = Align(table + TableBytes, 4);
            long dims = AlignForElements(nameAt + 4 + nameBytes.Length + 1);
            long raw = AlignForElements(dims + 4 + 8L * value.dim());
            pos = raw + 4 + value.NumberOfElements * value.ElementSize;
            layouts[i] = new ParameterLayout(checked((int)vtable), checked((int)table), checked((int)nameAt), checked((int)dims), checked((int)raw), nameBytes);
        }
        if (pos > int.MaxValue)
            throw new ArgumentException($"the adapter would take {pos} bytes; flatbuffers files must stay under 2 GiB (split the weights or use re-export sync)", nameof(parameters));
        return new Layout(checked((int)adapterVTable), checked((int)adapterTable), checked((int)vector), layouts);
    }

    private static long Align(long position, int alignment) => (position + alignment - 1) / alignment * alignment;

    // A vector whose elements need 8-byte alignment: its uint32 length sits 4 bytes before an 8-aligned element start.
    private static long AlignForElements(long position) => Align(position + 4, 8) - 4;

    private sealed record ParameterLayout(int VTable, int Table, int Name, int Dims, int RawData, byte[] NameBytes);

    private sealed record Layout(int AdapterVTable, int AdapterTable, int ParameterVector, ParameterLayout[] Parameters);

    /// <summary>Little-endian writes that track the position relative to where the adapter starts.</summary>
    private sealed class Writer(Stream stream)
    {
        private readonly byte[] _scratch = new byte[8];

        public int Position { get; private set; }

        public void PadTo(int position)
        {
            if (position < Position) throw new InvalidOperationException($"adapter layout error: at {Position}, asked to pad back to {position}");
            while (Position < position) Bytes([0]);
        }

        public void UInt16(ushort value) { BinaryPrimitives.WriteUInt16LittleEndian(_scratch, value); Bytes(_scratch.AsSpan(0, 2)); }
        public void Int32(int value) { BinaryPrimitives.WriteInt32LittleEndian(_scratch, value); Bytes(_scratch.AsSpan(0, 4)); }
        public void UInt32(uint value) { BinaryPrimitives.WriteUInt32LittleEndian(_scratch, value); Bytes(_scratch.AsSpan(0, 4)); }
        public void Int64(long value) { BinaryPrimitives.WriteInt64LittleEndian(_scratch, value); Bytes(_scratch.AsSpan(0, 8)); }

        public void Bytes(ReadOnlySpan<byte> bytes)
        {
            stream.Write(bytes);
            Position += bytes.Length;
        }
    }
}
