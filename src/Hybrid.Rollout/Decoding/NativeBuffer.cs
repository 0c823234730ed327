// A fixed-size block of native memory that ORT reads and writes through OrtValues made over parts of it.
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Hybrid.Rollout.Decoding;

/// <summary>
/// <see cref="Length"/> elements of <typeparamref name="T"/> (float32 or int64) in 64-byte-aligned native memory,
/// uninitialised, freed on dispose. <see cref="View"/> wraps a part of it as an ORT tensor without copying (the OrtValue
/// does not own the memory; dispose the view before the buffer). Outside the GC heap, so nothing pins or moves it.
/// </summary>
internal sealed unsafe class NativeBuffer<T> : IDisposable where T : unmanaged
{
    private T* _data;

    public NativeBuffer(long length)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "a native buffer needs at least one element");
        Length = length;
        _data = (T*)NativeMemory.AlignedAlloc(checked((nuint)(length * sizeof(T))), 64);
        NativeBuffers.Count(+1);
    }

    /// <summary>Elements held.</summary>
    public long Length { get; }

    /// <summary>The first <paramref name="count"/> elements.</summary>
    public Span<T> Span(int count)
    {
        ObjectDisposedException.ThrowIf(_data is null, this);
        if ((uint)count > Length) throw new ArgumentOutOfRangeException(nameof(count), count, $"the buffer holds {Length} elements");
        return new Span<T>(_data, count);
    }

    /// <summary>An ORT tensor of <paramref name="shape"/> over the elements from <paramref name="offset"/> on (caller disposes).</summary>
    public OrtValue View(long offset, params long[] shape)
    {
        ObjectDisposedException.ThrowIf(_data is null, this);
        if (offset < 0 || offset > Length) throw new ArgumentOutOfRangeException(nameof(offset), offset, $"the buffer holds {Length} elements");
        TensorElementType type = typeof(T) == typeof(float) ? TensorElementType.Float
            : typeof(T) == typeof(long) ? TensorElementType.Int64
            : throw new NotSupportedException($"NativeBuffer<{typeof(T).Name}> has no ORT element type");
        return OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, type, shape, (nint)(_data + offset), (Length - offset) * sizeof(T));
    }

    public void Dispose()
    {
        if (_data is null) return;
        NativeMemory.AlignedFree(_data);
        _data = null;
        NativeBuffers.Count(-1);
    }
}

/// <summary>How many <see cref="NativeBuffer{T}"/>s are allocated and not yet disposed (for leak tests).</summary>
internal static class NativeBuffers
{
    private static long _live;

    public static long Live => Interlocked.Read(ref _live);

    internal static void Count(int change) => Interlocked.Add(ref _live, change);
}
