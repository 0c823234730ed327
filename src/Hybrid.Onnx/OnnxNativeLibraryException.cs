// The exception thrown when an ONNX Runtime / GenAI native library is missing, instead of a crash inside native code.

namespace Hybrid.Onnx;

/// <summary>
/// Thrown when <c>libonnxruntime.so</c>, <c>libonnxruntime-genai.so</c> or <c>libonnxruntime_providers_shared.so</c>
/// is not where Hybrid.Onnx expects it. Without this check GenAI, unable to find ONNX Runtime, kills the process with a
/// segmentation fault (exit 139) rather than reporting an error.
/// </summary>
public sealed class OnnxNativeLibraryException : DllNotFoundException
{
    /// <summary>Creates the exception for the given missing files in <paramref name="directory"/>.</summary>
    public OnnxNativeLibraryException(string directory, IReadOnlyList<string> missingFiles)
        : base(FormatMessage(directory, missingFiles))
    {
        Directory = directory;
        MissingFiles = missingFiles;
    }

    /// <summary>The folder that was searched.</summary>
    public string Directory { get; }

    /// <summary>The file names that were not found there.</summary>
    public IReadOnlyList<string> MissingFiles { get; }

    private static string FormatMessage(string directory, IReadOnlyList<string> missingFiles) =>
        $"{string.Join(", ", missingFiles)} not found in '{directory}'. The Microsoft.ML.OnnxRuntime and " +
        "Microsoft.ML.OnnxRuntimeGenAI packages put them under runtimes/<rid>/native/ of every app and test that references " +
        "Hybrid.Onnx: restore and rebuild (dotnet build), and run the program from its build output folder.";
}
