// Owns one object created by onnxruntime-extensions (an OrtxObject*) and disposes it with OrtxDispose.
using Microsoft.Win32.SafeHandles;

namespace Hybrid.Onnx.Tokenizers;

/// <summary>
/// A tokenizer, token-id array, string array, tensor result or tensor wrapper returned by the tokenizer C API. All of them
/// start with the same <c>OrtxObject</c> header, so one handle type and one release function (<c>OrtxDispose</c>) serve.
/// </summary>
internal sealed class OrtxObjectHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    /// <summary>Used by the interop marshaller for <c>OrtxObject**</c> out-parameters.</summary>
    public OrtxObjectHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        nint obj = handle;
        return OrtxNative.OrtxDispose(ref obj) == OrtxError.Ok;
    }
}
