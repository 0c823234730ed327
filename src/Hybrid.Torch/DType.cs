// Element types a Hybrid tensor can hold; the numeric codes are shared with the native shim (hy_common.h).
namespace Hybrid.Torch;

/// <summary>Tensor element type. Keep the codes in step with <c>hy::to_scalar_type</c> in native/hy_common.h.</summary>
public enum DType
{
    Float32 = 0,
    BFloat16 = 1,
    Int64 = 2,
    Bool = 3,
    Float16 = 4,
    Int32 = 5,
    Float64 = 6,
}

/// <summary>Sizes and the C# element type of each <see cref="DType"/>.</summary>
public static class DTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.BFloat16 or DType.Float16 => 2,
        DType.Int64 or DType.Float64 => 8,
        DType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True for the floating-point types (the ones autograd differentiates).</summary>
    public static bool IsFloatingPoint(this DType dtype) =>
        dtype is DType.Float32 or DType.BFloat16 or DType.Float16 or DType.Float64;

    /// <summary>The dtype to compute softmax, norms and losses in: float32 for bf16/f16, the dtype itself for float32/float64.</summary>
    public static DType AtLeastFloat32(this DType dtype) => dtype is DType.BFloat16 or DType.Float16 ? DType.Float32 : dtype;

    /// <summary>The dtype whose elements are stored as the C# type <typeparamref name="T"/> (bf16 has none: use ushort bits).</summary>
    public static DType Of<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(long) ? DType.Int64
        : typeof(T) == typeof(bool) ? DType.Bool
        : typeof(T) == typeof(int) ? DType.Int32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(Half) ? DType.Float16
        : throw new NotSupportedException($"no tensor dtype stores elements as {typeof(T).Name}");
}
