// Entry points that make tensors (from arrays, constants, random) or combine several, and process-wide controls.
using System.Runtime.InteropServices;
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

/// <summary>
/// The TorchSharp-shaped front door: <c>LibTorch.Zeros(2, 3)</c>, <c>LibTorch.Tensor(data, shape)</c>, <c>LibTorch.Cat(...)</c>.
/// (Not named <c>Torch</c>: inside any <c>Hybrid.*</c> namespace that name resolves to the namespace <c>Hybrid.Torch</c>.)
/// </summary>
public static unsafe class LibTorch
{
    // ---- from data -----------------------------------------------------------------------------------------------------

    /// <summary>A new tensor holding a copy of <paramref name="data"/> in <paramref name="shape"/> (default: 1-D).</summary>
    public static Tensor Tensor<T>(ReadOnlySpan<T> data, params ReadOnlySpan<long> shape) where T : unmanaged
    {
        DType dtype = DTypeInfo.Of<T>();
        if (shape.IsEmpty) shape = [data.Length];
        long n = 1;
        foreach (long s in shape) n *= s;
        if (n != data.Length)
            throw new ArgumentException($"{data.Length} values do not fill shape [{string.Join(", ", shape.ToArray())}] ({n} elements)");
        fixed (T* p = data)
        fixed (long* s = shape)
            return Hybrid.Torch.Tensor.Wrap(NativeTensor.hy_tensor_from_data(p, (long)data.Length * sizeof(T), (int)dtype, s, shape.Length));
    }

    public static Tensor Tensor<T>(T[] data, params ReadOnlySpan<long> shape) where T : unmanaged => Tensor((ReadOnlySpan<T>)data, shape);

    /// <summary>A new tensor from raw little-endian bytes of <paramref name="dtype"/> (e.g. bf16 bits read from a file).</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> bytes, DType dtype, params ReadOnlySpan<long> shape)
    {
        fixed (byte* p = bytes)
        fixed (long* s = shape)
            return Hybrid.Torch.Tensor.Wrap(NativeTensor.hy_tensor_from_data(p, bytes.Length, (int)dtype, s, shape.Length));
    }

    /// <summary>A 0-dim tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    // ---- constants and ranges ------------------------------------------------------------------------------------------

    public static Tensor Zeros(ReadOnlySpan<long> shape, DType dtype = DType.Float32) => Full(shape, 0, dtype);
    public static Tensor Zeros(params long[] shape) => Full(shape, 0, DType.Float32);
    public static Tensor Ones(ReadOnlySpan<long> shape, DType dtype = DType.Float32) => Full(shape, 1, dtype);
    public static Tensor Ones(params long[] shape) => Full(shape, 1, DType.Float32);

    public static Tensor Full(ReadOnlySpan<long> shape, double value, DType dtype = DType.Float32)
    {
        fixed (long* s = shape) return Hybrid.Torch.Tensor.Wrap(NativeTensor.hy_tensor_full(s, shape.Length, (int)dtype, value));
    }

    /// <summary>Uninitialised memory: fill it before reading.</summary>
    public static Tensor Empty(ReadOnlySpan<long> shape, DType dtype = DType.Float32)
    {
        fixed (long* s = shape) return Hybrid.Torch.Tensor.Wrap(NativeTensor.hy_tensor_empty(s, shape.Length, (int)dtype));
    }

    /// <summary>
    /// start, start+step, … below end. Without <paramref name="dtype"/> the type is inferred as PyTorch does: Int64 when
    /// start, end and step are all whole numbers, else Float32 (an Int64 default would truncate a step of 0.25 to 0).
    /// </summary>
    public static Tensor Arange(double start, double end, double step = 1, DType? dtype = null)
    {
        DType type = dtype ?? (double.IsInteger(start) && double.IsInteger(end) && double.IsInteger(step) ? DType.Int64 : DType.Float32);
        return Hybrid.Torch.Tensor.Wrap(NativeTensor.hy_tensor_arange(start, end, step, (int)type));
    }

    public static Tensor Arange(long end, DType dtype = DType.Int64) => Arange(0, end, 1, dtype);

    // ---- random (the global generator; see ManualSeed) -----------------------------------------------------------------

    /// <summary>Samples of U[0, 1).</summary>
    public static Tensor Rand(ReadOnlySpan<long> shape, DType dtype = DType.Float32)
    {
        fixed (long* s = shape) return Hybrid.Torch.Tensor.Wrap(NativeTensor.hy_tensor_rand(s, shape.Length, (int)dtype));
    }

    /// <summary>Samples of N(0, 1).</summary>
    public static Tensor Randn(ReadOnlySpan<long> shape, DType dtype = DType.Float32)
    {
        fixed (long* s = shape) return Hybrid.Torch.Tensor.Wrap(NativeTensor.hy_tensor_randn(s, shape.Length, (int)dtype));
    }

    /// <summary>Integers uniform in [low, high), int64.</summary>
    public static Tensor RandInt(long low, long high, ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return Hybrid.Torch.Tensor.Wrap(NativeTensor.hy_tensor_randint(low, high, s, shape.Length));
    }

    /// <summary>Draws <paramref name="samples"/> indices per row of a [.., C] probability tensor (with replacement).</summary>
    public static Tensor Multinomial(Tensor probabilities, long samples = 1) =>
        Hybrid.Torch.Tensor.Wrap(NativeTensor.hy_tensor_multinomial(probabilities.Handle, samples));

    /// <summary>Seeds libtorch's global CPU generator: the same seed gives the same random tensors.</summary>
    public static void ManualSeed(ulong seed) => TorchException.Check(NativeRuntime.hy_manual_seed(seed));

    /// <summary>The global CPU generator's state (opaque bytes), to save with a checkpoint and restore on resume.</summary>
    public static byte[] GetRngState()
    {
        long size;
        TorchException.Check(NativeRuntime.hy_rng_get_state(null, 0, &size));
        var state = new byte[size];
        fixed (byte* p = state) TorchException.Check(NativeRuntime.hy_rng_get_state(p, size, &size));
        return state;
    }

    /// <summary>Restores a state from <see cref="GetRngState"/>: later random tensors repeat those drawn after it was taken.</summary>
    public static void SetRngState(ReadOnlySpan<byte> state)
    {
        fixed (byte* p = state) TorchException.Check(NativeRuntime.hy_rng_set_state(p, state.Length));
    }

    /// <summary>Makes libtorch refuse non-deterministic algorithms (it throws naming the op when one is hit).</summary>
    public static void UseDeterministicAlgorithms(bool on) => TorchException.Check(NativeRuntime.hy_set_deterministic(on ? 1 : 0));

    // ---- combining -----------------------------------------------------------------------------------------------------

    /// <summary>Concatenates along an existing dim.</summary>
    public static Tensor Cat(ReadOnlySpan<Tensor> tensors, long dim = 0)
    {
        Span<IntPtr> handles = Handles(tensors, stackalloc IntPtr[Math.Min(tensors.Length, 64)]);
        fixed (IntPtr* h = handles) return Hybrid.Torch.Tensor.Wrap(NativeOps.hy_cat(h, handles.Length, dim));
    }

    /// <summary>Stacks equal-shaped tensors along a new dim.</summary>
    public static Tensor Stack(ReadOnlySpan<Tensor> tensors, long dim = 0)
    {
        Span<IntPtr> handles = Handles(tensors, stackalloc IntPtr[Math.Min(tensors.Length, 64)]);
        fixed (IntPtr* h = handles) return Hybrid.Torch.Tensor.Wrap(NativeOps.hy_stack(h, handles.Length, dim));
    }

    /// <summary>Element-wise choice: a where <paramref name="condition"/> (bool) is true, else b.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) =>
        Hybrid.Torch.Tensor.Wrap(NativeOps.hy_where(condition.Handle, a.Handle, b.Handle));

    // ---- memory and autograd control -----------------------------------------------------------------------------------

    /// <summary>Opens a dispose scope on this thread (see <see cref="TensorScope"/>).</summary>
    public static TensorScope NewScope() => new();

    /// <summary>Turns gradient recording off on this thread until the returned scope is disposed.</summary>
    public static GradModeScope NoGrad() => new(enabled: false);

    /// <summary>Turns gradient recording on (e.g. inside a no-grad region) until the returned scope is disposed.</summary>
    public static GradModeScope EnableGrad() => new(enabled: true);

    /// <summary>Whether autograd records operations on this thread.</summary>
    public static bool IsGradEnabled => NativeRuntime.hy_grad_enabled() == 1;

    /// <summary>Native tensor handles alive in this process (all threads). Tests compare it with a baseline to find leaks.</summary>
    public static long LiveTensors => NativeRuntime.hy_live_tensors();

    internal static Span<IntPtr> Handles(ReadOnlySpan<Tensor> tensors, Span<IntPtr> buffer)
    {
        Span<IntPtr> handles = tensors.Length <= buffer.Length ? buffer[..tensors.Length] : new IntPtr[tensors.Length];
        for (int i = 0; i < tensors.Length; i++) handles[i] = tensors[i].Handle;
        return handles;
    }
}
