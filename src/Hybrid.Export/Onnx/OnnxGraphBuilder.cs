// Accumulates the inputs, outputs, initializers and nodes of one ONNX graph and produces the ModelProto.
using System.Runtime.InteropServices;
using Google.Protobuf;

namespace Hybrid.Export.Onnx;

/// <summary>
/// A small, explicit ONNX graph builder: the caller adds nodes in topological order with path-style names
/// (<c>/model/layers.0/attn/q_proj/MatMul</c>) so two exports diff readably. Tensor data is stored as little-endian
/// <c>raw_data</c>; <see cref="OnnxModelWriter"/> later moves large float tensors to an external data file.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>ONNX IR version written: 8 is the IR of opset 17 (ONNX 1.12), read by every ORT since 1.12.</summary>
    public const long IrVersion = 8;

    /// <summary>Default operator-set version of the default (ai.onnx) domain.</summary>
    public const long DefaultOpset = 17;

    /// <summary>The ONNX Runtime contrib-operator domain (GroupQueryAttention, SkipSimplifiedLayerNormalization, …).</summary>
    public const string MicrosoftDomain = "com.microsoft";

    private readonly GraphProto _graph;
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _extraDomains = new(StringComparer.Ordinal);

    /// <summary>Starts an empty graph called <paramref name="name"/>.</summary>
    public OnnxGraphBuilder(string name, long opset = DefaultOpset)
    {
        _graph = new GraphProto { Name = name };
        Opset = opset;
    }

    /// <summary>The ai.onnx operator-set version the model imports.</summary>
    public long Opset { get; }

    /// <summary>Declares a graph input.</summary>
    public string AddInput(string name, TensorProto.Types.DataType type, params OnnxDim[] shape)
    {
        _graph.Input.Add(ValueInfo(Claim(name), type, shape));
        return name;
    }

    /// <summary>Declares a graph output; <paramref name="name"/> must be produced by a node.</summary>
    public string AddOutput(string name, TensorProto.Types.DataType type, params OnnxDim[] shape)
    {
        _graph.Output.Add(ValueInfo(name, type, shape));
        return name;
    }

    /// <summary>A float initializer of shape <paramref name="dims"/> (row-major <paramref name="data"/>).</summary>
    public string AddInitializer(string name, ReadOnlySpan<float> data, params long[] dims) =>
        AddRaw(name, TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(data), data.Length, dims);

    /// <summary>A uint8 initializer of shape <paramref name="dims"/> (e.g. MatMulNBits' packed int4 weights and zero points).</summary>
    public string AddUInt8Initializer(string name, ReadOnlySpan<byte> data, params long[] dims) =>
        AddRaw(name, TensorProto.Types.DataType.Uint8, data, data.Length, dims);

    /// <summary>An int64 initializer (shapes, axes, indices); these always stay inside model.onnx.</summary>
    public string AddInt64Initializer(string name, ReadOnlySpan<long> data, params long[] dims) =>
        AddRaw(name, TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(data), data.Length, dims);

    /// <summary>A 0-d (scalar) int64 initializer.</summary>
    public string AddInt64Scalar(string name, long value) => AddInt64Initializer(name, [value]);

    /// <summary>A 0-d (scalar) float initializer.</summary>
    public string AddFloatScalar(string name, float value) => AddInitializer(name, [value]);

    /// <summary>
    /// Adds a node called <paramref name="name"/> with one output, named <c>{name}/output_0</c>, and returns that name.
    /// </summary>
    public string AddNode(string opType, string name, IReadOnlyList<string> inputs, params AttributeProto[] attributes) =>
        AddNode(opType, name, inputs, [$"{name}/output_0"], attributes)[0];

    /// <summary>Adds a node with explicitly named outputs and returns them.</summary>
    public IReadOnlyList<string> AddNode(string opType, string name, IReadOnlyList<string> inputs,
        IReadOnlyList<string> outputs, params AttributeProto[] attributes) =>
        AddDomainNode("", opType, name, inputs, outputs, attributes);

    /// <summary>
    /// Adds a node of operator-set <paramref name="domain"/> ("" = ai.onnx; e.g. <see cref="MicrosoftDomain"/>, imported at
    /// version 1 unless <see cref="ImportDomain"/> said otherwise). An empty output name ("") skips an optional output.
    /// </summary>
    public IReadOnlyList<string> AddDomainNode(string domain, string opType, string name, IReadOnlyList<string> inputs,
        IReadOnlyList<string> outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = Claim(name) };
        if (domain.Length > 0)
        {
            node.Domain = domain;
            _extraDomains.TryAdd(domain, 1);
        }
        node.Input.AddRange(inputs);
        foreach (string output in outputs)
            node.Output.Add(output.Length == 0 ? output : Claim(output));
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>Imports operator-set <paramref name="domain"/> at <paramref name="version"/>.</summary>
    public void ImportDomain(string domain, long version) => _extraDomains[domain] = version;

    /// <summary>
    /// Also declares the initializer <paramref name="name"/> (already added) as a graph input of the same type and shape,
    /// which makes it an ONNX Runtime "overridable initializer": a caller (or a GenAI adapter) may feed a replacement
    /// value as an input; when none is fed, the stored value is used.
    /// </summary>
    public void DeclareOverridable(string name)
    {
        TensorProto tensor = _graph.Initializer.FirstOrDefault(t => t.Name == name)
            ?? throw new ArgumentException($"'{name}' is not an initializer of graph '{_graph.Name}'.", nameof(name));
        OnnxDim[] shape = tensor.Dims.Select(d => (OnnxDim)d).ToArray();
        _graph.Input.Add(ValueInfo(name, (TensorProto.Types.DataType)tensor.DataType, shape));
    }

    /// <summary>The model: IR <see cref="IrVersion"/>, ai.onnx at <see cref="Opset"/>, and this graph.</summary>
    public ModelProto Build(string producerName = "Hybrid", string producerVersion = "0.1")
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = producerName,
            ProducerVersion = producerVersion,
            Graph = _graph.Clone(),
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        foreach ((string domain, long version) in _extraDomains)
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        return model;
    }

    private string AddRaw(string name, TensorProto.Types.DataType type, ReadOnlySpan<byte> bytes, int count, long[] dims)
    {
        long expected = 1;
        foreach (long d in dims)
            expected *= d;
        if (expected != count)
            throw new ArgumentException($"Initializer '{name}': shape [{string.Join(", ", dims)}] holds {expected} elements but {count} were given.");
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian; this writer assumes a little-endian machine.");

        var tensor = new TensorProto { Name = Claim(name), DataType = (int)type, RawData = ByteString.CopyFrom(bytes) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        return name;
    }

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, OnnxDim[] shape)
    {
        var tensorShape = new TensorShapeProto();
        foreach (OnnxDim dim in shape)
            tensorShape.Dim.Add(dim.ToProto());
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = tensorShape } },
        };
    }

    private string Claim(string name)
    {
        if (string.IsNullOrEmpty(name))
            throw new ArgumentException("ONNX names must be non-empty.", nameof(name));
        if (!_names.Add(name))
            throw new ArgumentException($"The name '{name}' is already used in graph '{_graph.Name}'.", nameof(name));
        return name;
    }
}
