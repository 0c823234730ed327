// Constructors for node attributes, each setting the value field and the matching AttributeType discriminator.
using Google.Protobuf;

namespace Hybrid.Export.Onnx;

/// <summary>Node attributes as ONNX requires them: a name, exactly one value field, and <c>type</c> naming that field.</summary>
public static class OnnxAttributes
{
    /// <summary>An INT attribute (e.g. <c>axis</c>).</summary>
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    /// <summary>An INTS attribute (e.g. <c>perm</c>).</summary>
    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A FLOAT attribute (e.g. <c>alpha</c>).</summary>
    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    /// <summary>A STRING attribute (UTF-8 bytes).</summary>
    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };
}
