// One dimension of a graph input/output shape: a fixed size or a named symbolic size.

namespace Hybrid.Export.Onnx;

/// <summary>
/// A fixed (<c>4</c>) or symbolic (<c>"batch_size"</c>) dimension. Converts implicitly from <see cref="long"/> and
/// <see cref="string"/>, so shapes read as <c>["batch_size", "sequence_length", 32]</c>.
/// </summary>
public readonly record struct OnnxDim
{
    private OnnxDim(long? value, string? param) => (Value, Param) = (value, param);

    /// <summary>The fixed size, or null for a symbolic dimension.</summary>
    public long? Value { get; }

    /// <summary>The symbolic name, or null for a fixed dimension.</summary>
    public string? Param { get; }

    /// <summary>A fixed dimension.</summary>
    public static implicit operator OnnxDim(long value) => new(value, null);

    /// <summary>A symbolic dimension.</summary>
    public static implicit operator OnnxDim(string param) => new(null, param);

    internal TensorShapeProto.Types.Dimension ToProto() =>
        Param is null ? new() { DimValue = Value!.Value } : new() { DimParam = Param };
}
