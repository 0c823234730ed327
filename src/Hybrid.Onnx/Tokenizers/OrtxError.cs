// The status codes of the onnxruntime-extensions C API (extError_t in ortx_types.h).
namespace Hybrid.Onnx.Tokenizers;

/// <summary>Mirror of <c>extError_t</c>: 0 is success, every other value a failure class.</summary>
public enum OrtxError
{
    /// <summary><c>kOrtxOK</c>.</summary>
    Ok = 0,
    /// <summary><c>kOrtxErrorInvalidArgument</c>.</summary>
    InvalidArgument = 1,
    /// <summary><c>kOrtxErrorOutOfMemory</c>.</summary>
    OutOfMemory = 2,
    /// <summary><c>kOrtxErrorInvalidFile</c>.</summary>
    InvalidFile = 3,
    /// <summary><c>kOrtxErrorCorruptData</c>.</summary>
    CorruptData = 4,
    /// <summary><c>kOrtxErrorNotFound</c>.</summary>
    NotFound = 5,
    /// <summary><c>kOrtxErrorAlreadyExists</c>.</summary>
    AlreadyExists = 6,
    /// <summary><c>kOrtxErrorOutOfRange</c>.</summary>
    OutOfRange = 7,
    /// <summary><c>kOrtxErrorNotImplemented</c>.</summary>
    NotImplemented = 8,
    /// <summary><c>kOrtxErrorInternal</c>.</summary>
    Internal = 9,
    /// <summary><c>kOrtxErrorUnknown</c>.</summary>
    Unknown = 1000,
}
