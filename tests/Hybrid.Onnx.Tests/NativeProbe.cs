// Entry point of the test assembly when run as a program: makes the first native call of a chosen API and reports.
using Hybrid.Onnx.GenAI;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Onnx.Tests;

/// <summary>
/// <c>dotnet Hybrid.Onnx.Tests.dll genai|genai-managed|ort &lt;folder&gt;</c> loads a GenAI model through our binding
/// (<see cref="GenAIModel"/>), through the package's managed <see cref="Model"/> (after touching Hybrid.Onnx, as every
/// Hybrid entry point does), or an ORT session (<c>folder/model.onnx</c>) from <c>folder</c>. Used by <see cref="NativeLibraryGuardTests"/> from a copy of
/// the output folder missing a native library: the guard must turn what would be a segfault (exit 139) into
/// <see cref="OnnxNativeLibraryException"/>, which this program prints to stderr before exiting with
/// <see cref="MissingLibraryExitCode"/>. ORT's bindings load the library in a static constructor, so there it arrives
/// wrapped in a <see cref="TypeInitializationException"/>; the wrapper's name is printed too.
/// </summary>
public static class NativeProbe
{
    public const int MissingLibraryExitCode = 3;

    public static int Main(string[] args)
    {
        if (args.Length != 2 || args[0] is not ("genai" or "genai-managed" or "ort"))
        {
            Console.Error.WriteLine("usage: Hybrid.Onnx.Tests genai|genai-managed|ort <folder>");
            return 2;
        }
        try
        {
            switch (args[0])
            {
                case "genai":
                    using (GenAIModel.Open(args[1])) { }
                    break;
                case "genai-managed":
                    _ = OnnxNative.Directory;  // touches Hybrid.Onnx: its module initializer guards GenAI's own imports
                    using (new Model(args[1])) { }
                    break;
                default:
                    using (new InferenceSession(Path.Combine(args[1], "model.onnx"))) { }
                    break;
            }
            Console.WriteLine("loaded");
            return 0;
        }
        catch (Exception e) when (Missing(e) is { } missing)
        {
            string wrapper = ReferenceEquals(e, missing) ? "" : $" (inside {e.GetType().Name})";
            Console.Error.WriteLine($"{missing.GetType().FullName}: {missing.Message}{wrapper}");
            return MissingLibraryExitCode;
        }
    }

    private static OnnxNativeLibraryException? Missing(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is OnnxNativeLibraryException missing)
                return missing;
        }
        return null;
    }
}
