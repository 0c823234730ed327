// Facts about TorchSharp element types that the serializers and the trainer need (byte size, float-ness, widening).

namespace Hybrid.Tensors;

public static class ScalarTypes
{
    public static bool IsFloat(this torch.ScalarType dtype) =>
        dtype is torch.ScalarType.Float32 or torch.ScalarType.BFloat16 or torch.ScalarType.Float16 or torch.ScalarType.Float64;

    /// <summary>bf16/f16 widen to float32; other types stay (float64 stays float64).</summary>
    public static torch.ScalarType AtLeastFloat32(this torch.ScalarType dtype) =>
        dtype is torch.ScalarType.BFloat16 or torch.ScalarType.Float16 ? torch.ScalarType.Float32 : dtype;

    /// <summary>The dtype whose elements are stored as <typeparamref name="T"/>.</summary>
    public static torch.ScalarType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? torch.ScalarType.Float32
        : typeof(T) == typeof(long) ? torch.ScalarType.Int64
        : typeof(T) == typeof(bool) ? torch.ScalarType.Bool
        : typeof(T) == typeof(int) ? torch.ScalarType.Int32
        : typeof(T) == typeof(double) ? torch.ScalarType.Float64
        : typeof(T) == typeof(Half) ? torch.ScalarType.Float16
        : throw new NotSupportedException($"no tensor dtype stores elements as {typeof(T).Name}");
}
