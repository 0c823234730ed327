// A libtorch tensor seen from C#: one native handle, an owner (a scope or the caller), metadata and data copies.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

/// <summary>
/// A handle to a libtorch tensor. Every tensor has exactly one owner: the innermost <see cref="TensorScope"/> of the thread
/// that created it, or — when no scope is open, or after <see cref="DetachFromScope"/> — whoever holds it, who must
/// <see cref="Dispose"/> it. There is deliberately no finalizer: native memory is freed deterministically or it leaks
/// visibly in <see cref="LibTorch.LiveTensors"/>, never at the garbage collector's whim.
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private IntPtr _handle;

    internal Tensor(IntPtr handle)
    {
        _handle = handle;
        TensorScope.Current?.Add(this);
    }

    /// <summary>The scope that frees this tensor, or null when the holder owns it.</summary>
    internal TensorScope? Owner { get; set; }

    /// <summary>The native handle; throws when the tensor has been disposed.</summary>
    internal IntPtr Handle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => _handle != IntPtr.Zero ? _handle : ThrowDisposed();
    }

    public bool IsDisposed => _handle == IntPtr.Zero;

    /// <summary>Wraps a handle returned by the shim, throwing the shim's error when it is null.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Tensor Wrap(IntPtr handle)
    {
        if (handle == IntPtr.Zero) TorchException.ThrowLast();
        return new Tensor(handle);
    }

    /// <summary>Frees the native tensor now. Safe to call twice.</summary>
    public void Dispose()
    {
        IntPtr h = _handle;
        if (h == IntPtr.Zero) return;
        _handle = IntPtr.Zero;
        NativeRuntime.hy_tensor_free(h);
    }

    /// <summary>Hands this tensor from its scope to the next scope out (or to the caller when there is none) and returns it.</summary>
    public Tensor MoveToOuterScope()
    {
        TensorScope? outer = Owner?.Outer;
        Owner = null;
        outer?.Add(this);
        return this;
    }

    /// <summary>Removes this tensor from any scope: the caller now owns it and must dispose it. Returns it.</summary>
    public Tensor DetachFromScope()
    {
        Owner = null;
        return this;
    }

    // ---- metadata ------------------------------------------------------------------------------------------------------

    /// <summary>Number of dimensions.</summary>
    public int Dim => Check(NativeTensor.hy_tensor_ndim(Handle));

    /// <summary>Sizes of every dimension.</summary>
    public unsafe long[] Shape
    {
        get
        {
            long* buffer = stackalloc long[16];
            int n = NativeTensor.hy_tensor_shape(Handle, buffer, 16);
            if (n < 0) TorchException.ThrowLast();
            return new ReadOnlySpan<long>(buffer, n).ToArray();
        }
    }

    /// <summary>Size of one dimension (negative counts from the end).</summary>
    public long Size(int dim)
    {
        long[] shape = Shape;
        int d = dim < 0 ? dim + shape.Length : dim;
        if ((uint)d >= (uint)shape.Length) throw new ArgumentOutOfRangeException(nameof(dim), dim, $"tensor has {shape.Length} dims");
        return shape[d];
    }

    public long NumEl => NativeTensor.hy_tensor_numel(Handle) is var n and >= 0 ? n : ThrowLastLong();

    public DType DType => (DType)Check(NativeTensor.hy_tensor_dtype(Handle));

    public override string ToString() => IsDisposed ? "Tensor(disposed)" : $"Tensor({DType}, [{string.Join(", ", Shape)}])";

    // ---- data ----------------------------------------------------------------------------------------------------------

    /// <summary>The single value of a one-element tensor, as a double.</summary>
    public unsafe double Item()
    {
        double v;
        TorchException.Check(NativeTensor.hy_tensor_item(Handle, &v));
        return v;
    }

    /// <summary>Copies the elements (row-major) into a new array; <typeparamref name="T"/> must match <see cref="DType"/>.</summary>
    public T[] ToArray<T>() where T : unmanaged
    {
        var result = new T[NumEl];
        CopyTo<T>(result);
        return result;
    }

    /// <summary>Copies the elements (row-major) into <paramref name="destination"/>, which must hold exactly <see cref="NumEl"/>.</summary>
    public unsafe void CopyTo<T>(Span<T> destination) where T : unmanaged
    {
        DType want = DTypeInfo.Of<T>();
        DType have = DType;
        if (want != have) throw new InvalidOperationException($"tensor is {have}; read it as {want} with To(DType.{want}) first");
        fixed (T* p = destination)
            TorchException.Check(NativeTensor.hy_tensor_copy_to(Handle, p, (long)destination.Length * sizeof(T)));
    }

    /// <summary>Copies the raw element bytes (row-major, native little-endian, any dtype incl. bf16) into <paramref name="destination"/>.</summary>
    public unsafe void CopyBytesTo(Span<byte> destination)
    {
        fixed (byte* p = destination) TorchException.Check(NativeTensor.hy_tensor_copy_to(Handle, p, destination.Length));
    }

    /// <summary>Size of the elements in bytes.</summary>
    public long ByteCount => NumEl * DType.ElementSize();

    /// <summary>A view of a contiguous tensor's memory, valid while the tensor lives and is not resized. No copy.</summary>
    public unsafe Span<T> AsSpan<T>() where T : unmanaged
    {
        DType want = DTypeInfo.Of<T>();
        if (want != DType) throw new InvalidOperationException($"tensor is {DType}, not {want}");
        void* p = NativeTensor.hy_tensor_data_ptr(Handle);
        if (p == null && NumEl > 0) TorchException.ThrowLast();
        return new Span<T>(p, checked((int)NumEl));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Check(int value)
    {
        if (value < 0) TorchException.ThrowLast();
        return value;
    }

    private static long ThrowLastLong()
    {
        TorchException.ThrowLast();
        return -1;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static IntPtr ThrowDisposed() => throw new ObjectDisposedException(nameof(Tensor), "tensor used after Dispose (or after its scope ended)");
}
