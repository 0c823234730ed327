// The typed exception for a failed onnxruntime-extensions call, carrying the native status and message.
namespace Hybrid.Onnx.Tokenizers;

/// <summary>A tokenizer call into onnxruntime-extensions returned a failure status.</summary>
public sealed class OrtxException : Exception
{
    /// <summary>Creates the exception for <paramref name="function"/> failing with <paramref name="code"/>.</summary>
    public OrtxException(OrtxError code, string function, string nativeMessage)
        : base($"{function} failed with {code}: {(nativeMessage.Length > 0 ? nativeMessage : "(no message from the library)")}")
    {
        Code = code;
        Function = function;
        NativeMessage = nativeMessage;
    }

    /// <summary>The <c>extError_t</c> status the call returned.</summary>
    public OrtxError Code { get; }

    /// <summary>The C function that failed, e.g. <c>OrtxCreateTokenizer</c>.</summary>
    public string Function { get; }

    /// <summary><c>OrtxGetLastErrorMessage()</c> right after the failure.</summary>
    public string NativeMessage { get; }
}
