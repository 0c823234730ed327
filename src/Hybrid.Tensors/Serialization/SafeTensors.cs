// Reads and writes named tensors in the safetensors format: u64 header length, JSON header, raw little-endian data.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Hybrid.Data;

namespace Hybrid.Tensors.Serialization;

/// <summary>A safetensors file is malformed; the message names the file and the offending field or tensor.</summary>
public sealed class SafeTensorsFormatException(string message) : Exception(message);

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8 JSON mapping each
/// tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (offsets relative to the data section) plus an
/// optional <c>"__metadata__"</c> string map, then the data. Files are untrusted: every header field is bounds-checked,
/// and nothing in them is executed. Writes go to a temporary file renamed into place, so no half-written file remains.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted (the reference implementation's limit is the same order).</summary>
    public const long MaxHeaderBytes = 100L << 20;

    private static readonly Dictionary<string, ScalarType> s_dtypes = new()
    {
        ["F32"] = ScalarType.Float32, ["BF16"] = ScalarType.BFloat16, ["F16"] = ScalarType.Float16, ["F64"] = ScalarType.Float64,
        ["I64"] = ScalarType.Int64, ["I32"] = ScalarType.Int32, ["BOOL"] = ScalarType.Bool,
    };

    public static string DTypeName(ScalarType dtype) =>
        s_dtypes.FirstOrDefault(kv => kv.Value == dtype).Key ?? throw new NotSupportedException($"{dtype} has no safetensors name");

    /// <summary>One entry of a header: where a tensor's bytes lie in the data section.</summary>
    public sealed record Entry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

    /// <summary>Writes <paramref name="tensors"/> (in the given order) and optional metadata to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = new Dictionary<string, object>();
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var (name, t) in list)
        {
            if (name == "__metadata__") throw new ArgumentException("'__metadata__' cannot name a tensor");
            long n = t.NumberOfElements * t.dtype.ElementSize();
            header[name] = new { dtype = DTypeName(t.dtype), shape = t.shape, data_offsets = new[] { offset, offset + n } };
            offset += n;
        }
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8;  // data section starts 8-byte aligned; JSON allows trailing spaces
        AtomicFile.Write(path, fs =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
            fs.Write(len);
            fs.Write(json);
            for (int i = json.Length; i < padded; i++) fs.WriteByte((byte)' ');
            foreach (var (_, t) in list) fs.Write(t.ToBytes());
        });
    }

    /// <summary>Reads and validates only the header: entries sorted by offset, and the metadata.</summary>
    public static (List<Entry> Entries, Dictionary<string, string> Metadata, long DataStart) ReadHeader(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read);
        return ReadHeader(fs, path);
    }

    /// <summary>Loads every tensor of the file; the caller owns (and must dispose) the returned tensors.</summary>
    public static Dictionary<string, Tensor> Load(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read);
        var (entries, _, dataStart) = ReadHeader(fs, path);
        var result = new Dictionary<string, Tensor>();
        try
        {
            byte[] buffer = [];
            foreach (Entry e in entries)
            {
                int n = checked((int)(e.End - e.Begin));
                if (buffer.Length < n) buffer = new byte[n];
                fs.Position = dataStart + e.Begin;
                fs.ReadExactly(buffer, 0, n);
                result[e.Name] = TensorUtil.FromBytes(buffer.AsSpan(0, n), e.DType, e.Shape).DetachFromDisposeScope();
            }
        }
        catch
        {
            foreach (Tensor t in result.Values) t.Dispose();
            throw;
        }
        return result;
    }

    private static (List<Entry>, Dictionary<string, string>, long) ReadHeader(FileStream fs, string path)
    {
        long fileLength = fs.Length;
        if (fileLength < 8) throw Bad(path, $"file is {fileLength} bytes, shorter than the 8-byte header length");
        Span<byte> len = stackalloc byte[8];
        fs.ReadExactly(len);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (headerLength > (ulong)MaxHeaderBytes) throw Bad(path, $"header length {headerLength} exceeds the {MaxHeaderBytes}-byte limit");
        if ((long)headerLength > fileLength - 8) throw Bad(path, $"header length {headerLength} runs past the end of the file ({fileLength} bytes)");
        byte[] json = new byte[headerLength];
        fs.ReadExactly(json);
        long dataStart = 8 + (long)headerLength;
        long dataLength = fileLength - dataStart;

        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException ex) { throw Bad(path, $"header is not valid JSON: {ex.Message}"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "header is not a JSON object");
            var entries = new List<Entry>();
            var metadata = new Dictionary<string, string>();
            foreach (JsonProperty prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object) throw Bad(path, "'__metadata__' is not an object");
                    foreach (JsonProperty m in prop.Value.EnumerateObject())
                        metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String
                            ? m.Value.GetString()!
                            : throw Bad(path, $"'__metadata__.{m.Name}' is not a string");
                    continue;
                }
                entries.Add(ParseEntry(path, prop));
            }
            entries.Sort((a, b) => a.Begin.CompareTo(b.Begin));
            long expected = 0;
            foreach (Entry e in entries)
            {
                if (e.Begin != expected)
                    throw Bad(path, $"tensor '{e.Name}': data_offsets begin at {e.Begin}, expected {expected} (overlap or hole in the data section)");
                expected = e.End;
            }
            if (expected != dataLength)
                throw Bad(path, $"tensors cover {expected} bytes of data but the file holds {dataLength} after the header");
            return (entries, metadata, dataStart);
        }
    }

    private static Entry ParseEntry(string path, JsonProperty prop)
    {
        string name = prop.Name;
        JsonElement v = prop.Value;
        if (v.ValueKind != JsonValueKind.Object) throw Bad(path, $"tensor '{name}': entry is not an object");
        if (!v.TryGetProperty("dtype", out JsonElement dt) || dt.ValueKind != JsonValueKind.String)
            throw Bad(path, $"tensor '{name}': field 'dtype' is missing or not a string");
        if (!s_dtypes.TryGetValue(dt.GetString()!, out ScalarType dtype))
            throw Bad(path, $"tensor '{name}': field 'dtype' = '{dt.GetString()}' is not supported (supported: {string.Join(", ", s_dtypes.Keys)})");
        long[] shape = ReadInts(path, name, v, "shape", -1);
        long[] offsets = ReadInts(path, name, v, "data_offsets", 2);
        long count = 1;
        foreach (long s in shape)
        {
            if (s < 0) throw Bad(path, $"tensor '{name}': field 'shape' has a negative size {s}");
            try { count = checked(count * s); }
            catch (OverflowException) { throw Bad(path, $"tensor '{name}': field 'shape' overflows"); }
        }
        long begin = offsets[0], end = offsets[1];
        if (begin < 0 || end < begin) throw Bad(path, $"tensor '{name}': field 'data_offsets' [{begin}, {end}] is not an increasing pair");
        long bytes;
        try { bytes = checked(count * dtype.ElementSize()); }
        catch (OverflowException) { throw Bad(path, $"tensor '{name}': byte size overflows"); }
        if (end - begin != bytes)
            throw Bad(path, $"tensor '{name}': field 'data_offsets' spans {end - begin} bytes but {dt.GetString()} [{string.Join(",", shape)}] needs {bytes}");
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long[] ReadInts(string path, string name, JsonElement v, string field, int exactLength)
    {
        if (!v.TryGetProperty(field, out JsonElement arr) || arr.ValueKind != JsonValueKind.Array)
            throw Bad(path, $"tensor '{name}': field '{field}' is missing or not an array");
        if (exactLength >= 0 && arr.GetArrayLength() != exactLength)
            throw Bad(path, $"tensor '{name}': field '{field}' has {arr.GetArrayLength()} entries, expected {exactLength}");
        if (arr.GetArrayLength() > 16) throw Bad(path, $"tensor '{name}': field '{field}' has more than 16 entries");
        var result = new long[arr.GetArrayLength()];
        int i = 0;
        foreach (JsonElement e in arr.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out result[i]))
                throw Bad(path, $"tensor '{name}': field '{field}'[{i}] is not an integer");
            i++;
        }
        return result;
    }

    private static SafeTensorsFormatException Bad(string path, string what) => new($"{path}: {what}");
}
