// The exception every failed libtorch call surfaces as: the C++ error text, caught inside the shim, carried to C#.
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

/// <summary>A libtorch operation failed; <see cref="Exception.Message"/> is libtorch's own message (without C++ backtrace).</summary>
public sealed class TorchException : Exception
{
    public TorchException(string message) : base(message) { }

    /// <summary>Reads the calling thread's last shim error and throws it. Kept out of line so hot paths stay small.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    [DoesNotReturn]
    internal static void ThrowLast()
    {
        string message = Marshal.PtrToStringUTF8(NativeRuntime.hy_last_error()) ?? "";
        throw new TorchException(message.Length == 0 ? "libtorch call failed without a message" : message);
    }

    /// <summary>Throws the last shim error when a status code is negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status)
    {
        if (status < 0) ThrowLast();
    }
}
