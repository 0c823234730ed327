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
        if (args.Length != 2 || args[0] is not ("genai" or "genai-managed" or "ort" or "tokenizer"))
        {
            Console.Error.WriteLine("usage: Hybrid.Onnx.Tests genai|genai-managed|ort|tokenizer <folder>");
            return 2;
        }
        if (args[0] == "tokenizer") return OpenTokenizer(args[1]);
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

    /// <summary>
    /// Opens GenAI's managed <see cref="Tokenizer"/> on <paramref name="folder"/>: prints "opened", or the exception's type
    /// and message and returns 1. A failed constructor leaves an object behind whose finalizer calls
    /// <c>OgaDestroyTokenizer</c> on a handle that was never created; in a long-lived process that finalizer crashed the
    /// test host (SIGSEGV in <c>OgaDestroyTokenizer</c> on the finalizer thread, seen under CPU load), so the failure is
    /// provoked here, in a child process that exits before finalizers run.
    /// </summary>
    private static int OpenTokenizer(string folder)
    {
        OnnxNative.EnsureLoaded();
        try
        {
            using (new Tokenizer(folder)) { }
            Console.WriteLine("opened");
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"{e.GetType().FullName}: {e.Message}");
            return 1;
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
