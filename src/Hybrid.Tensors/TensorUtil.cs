// Small tensor helpers TorchSharp does not have in this form: widening, raw-byte construction, RNG state as bytes, live counts.
using TorchSharp.Modules;

namespace Hybrid.Tensors;

public static class TensorUtil
{
    /// <summary>This tensor if it is float32/float64 (or not floating point), else a float32 copy (bf16/f16 → f32).</summary>
    public static Tensor AtLeastFloat32(this Tensor t) => t.dtype.AtLeastFloat32() == t.dtype ? t : t.to(t.dtype.AtLeastFloat32());

    /// <summary>A new CPU tensor from raw little-endian element bytes of <paramref name="dtype"/> (e.g. bf16 bits read from a file).</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> bytes, ScalarType dtype, ReadOnlySpan<long> shape)
    {
        long n = 1;
        foreach (long s in shape) n = checked(n * s);
        if (checked(n * dtype.ElementSize()) != bytes.Length)
            throw new ArgumentException($"{bytes.Length} bytes do not fill {dtype} [{string.Join(", ", shape.ToArray())}]");
        Tensor t = empty(shape, dtype);
        if (bytes.Length > 0) t.bytes = bytes.ToArray();
        return t;
    }

    /// <summary>Copies the element bytes (row-major, any dtype incl. bf16, any device) into a new array.</summary>
    public static byte[] ToBytes(this Tensor t)
    {
        using var scope = NewDisposeScope();  // frees the CPU/contiguous copies, never t itself
        return t.cpu().contiguous().bytes.ToArray();
    }

    /// <summary>
    /// A view of a contiguous CPU tensor's elements, valid while the tensor lives and is not resized (no copy);
    /// <typeparamref name="T"/> must match the dtype.
    /// </summary>
    public static Span<T> AsSpan<T>(this Tensor t) where T : unmanaged
    {
        ScalarType want = ScalarTypes.Of<T>();
        if (t.dtype != want) throw new InvalidOperationException($"tensor is {t.dtype}, not {want}");
        if (t.device_type != DeviceType.CPU || !t.is_contiguous()) throw new InvalidOperationException("AsSpan needs a contiguous CPU tensor");
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, T>(t.bytes);
    }

    /// <summary>Seeds libtorch's global generator: the same seed gives the same random tensors.</summary>
    public static void ManualSeed(ulong seed) => torch.manual_seed(unchecked((long)seed));

    /// <summary>The global CPU generator's state as bytes, to save with a checkpoint and restore on resume.</summary>
    public static byte[] GetRngState()
    {
        using Tensor state = torch.random.get_rng_state();
        return state.bytes.ToArray();
    }

    /// <summary>Restores a state from <see cref="GetRngState"/>: later random tensors repeat those drawn after it was taken.</summary>
    public static void SetRngState(ReadOnlySpan<byte> state)
    {
        // libtorch aborts the process (no exception crosses TorchSharp here) on a state of the wrong size: check it first.
        int expected = GetRngState().Length;
        if (state.Length != expected)
            throw new ArgumentException($"a CPU generator state is {expected} bytes, not {state.Length}", nameof(state));
        using Tensor t = FromBytes(state, ScalarType.Byte, [state.Length]);
        torch.random.set_rng_state(t);
    }

    /// <summary>
    /// Tensors created on this thread and not yet disposed (TorchSharp's dispose-scope statistics). Tests compare it with a
    /// baseline taken before a step to prove that the step's tensors were all freed. (A <see cref="Parameter"/> is counted
    /// through the tensor whose handle it took: created with that tensor, gone when the parameter is disposed.)
    /// <para>
    /// In-place ops (<c>zero_</c>, <c>copy_</c>, …) may return a new wrapper object of the same storage: call them inside a
    /// dispose scope, or the wrapper stays counted until the garbage collector finalizes it.
    /// </para>
    /// </summary>
    public static long LiveTensors => DisposeScopeManager.Statistics.ThreadTotalLiveCount;

    /// <summary>
    /// A parameter (owned by the caller, outside any dispose scope) holding <paramref name="data"/>'s storage; the
    /// <paramref name="data"/> object becomes empty, as with TorchSharp's Parameter constructor.
    /// </summary>
    public static Parameter NewParameter(Tensor data, bool requiresGrad = true)
    {
        var parameter = new Parameter(data, requiresGrad);
        parameter.DetachFromDisposeScope();
        return parameter;
    }
}
