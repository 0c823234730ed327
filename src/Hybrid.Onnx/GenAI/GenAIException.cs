// The error a GenAI C call reported, with the call's name.

namespace Hybrid.Onnx.GenAI;

/// <summary>A GenAI C function returned an error; the message names the function and carries GenAI's own text.</summary>
public sealed class GenAIException(string call, string message) : Exception($"{call}: {message}")
{
    /// <summary>The C function that failed (e.g. <c>OgaCreateModelFromConfig</c>).</summary>
    public string Call { get; } = call;
}
