// Finds and loads the ONNX Runtime / GenAI native libraries the NuGet packages ship, failing with a clear exception.
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Hybrid.Onnx;

/// <summary>
/// Native-library guard for ONNX Runtime and GenAI. The packages put their <c>.so</c> files under
/// <c>runtimes/&lt;rid&gt;/native/</c> of the build output (or next to the app when it is published for one RID). A module
/// initializer installs one <see cref="NativeLibrary.SetDllImportResolver"/> for this assembly, for ONNX Runtime's managed
/// assembly and for GenAI's, so every P/Invoke to <c>onnxruntime</c> or <c>onnxruntime-genai</c> resolves to those files.
/// Before loading anything the resolver checks the files exist and throws <see cref="OnnxNativeLibraryException"/> naming
/// the missing one: GenAI itself segfaults (exit 139) when it cannot find <c>libonnxruntime.so</c>. It loads ONNX Runtime
/// before GenAI, so GenAI uses that copy. Code that reaches GenAI without going through Hybrid.Onnx first should call
/// <see cref="EnsureLoaded"/>.
/// </summary>
public static class OnnxNative
{
    /// <summary>ONNX Runtime's native library (C API), required by both ORT sessions and GenAI.</summary>
    public const string OrtFileName = "libonnxruntime.so";

    /// <summary>ONNX Runtime's shared execution-provider bridge, loaded by ORT when a provider is appended.</summary>
    public const string ProvidersSharedFileName = "libonnxruntime_providers_shared.so";

    /// <summary>ONNX Runtime GenAI's native library.</summary>
    public const string GenAiFileName = "libonnxruntime-genai.so";

    // The names in the packages' DllImport attributes (and in our own [LibraryImport]s).
    internal const string OrtImportName = "onnxruntime";
    internal const string GenAiImportName = "onnxruntime-genai";

    private static readonly Lock LoadLock = new();
    private static nint _ortHandle;
    private static nint _genAiHandle;

    /// <summary>
    /// The folder the native libraries are loaded from: <c>runtimes/&lt;rid&gt;/native</c> under the app's folder (a build
    /// output), else the app's folder itself (an app published for one RID) when <c>libonnxruntime.so</c> is there.
    /// </summary>
    public static string Directory
    {
        get
        {
            string app = AppFolder;
            string native = Path.Combine(app, "runtimes", RuntimeInformation.RuntimeIdentifier, "native");
            if (!System.IO.Directory.Exists(native) && File.Exists(Path.Combine(app, OrtFileName)))
                return app;
            return native;
        }
    }

    private static string AppFolder
    {
        get
        {
            string location = typeof(OnnxNative).Assembly.Location;
            return string.IsNullOrEmpty(location) ? AppContext.BaseDirectory : Path.GetDirectoryName(location)!;
        }
    }

    /// <summary>
    /// Checks that all three native libraries are present in <paramref name="directory"/> and throws
    /// <see cref="OnnxNativeLibraryException"/> naming every missing file (and the fix) if not. Loads nothing.
    /// </summary>
    public static void Verify(string directory) => Verify(directory, [OrtFileName, ProvidersSharedFileName, GenAiFileName]);

    /// <summary>
    /// Loads ONNX Runtime and GenAI now (normally this happens on the first native call), so a missing library surfaces
    /// at a place of the caller's choosing as <see cref="OnnxNativeLibraryException"/> rather than, for ORT, wrapped in
    /// the <see cref="TypeInitializationException"/> of its bindings, or, for GenAI, as a segfault.
    /// </summary>
    public static void EnsureLoaded()
    {
        LoadOrt();
        LoadGenAi();
    }

    private static void Verify(string directory, ReadOnlySpan<string> fileNames)
    {
        var missing = new List<string>();
        foreach (string name in fileNames)
        {
            if (!File.Exists(Path.Combine(directory, name)))
                missing.Add(name);
        }
        if (missing.Count > 0)
            throw new OnnxNativeLibraryException(directory, missing);
    }

    /// <summary>Runs once when Hybrid.Onnx is first used, before any of its code.</summary>
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255", Justification = "The resolvers must be in place before the packages' first P/Invoke, which a library cannot otherwise guarantee.")]
    internal static void InstallResolver()
    {
        // ORT's bindings would install their own resolver in NativeMethods' static constructor; ours checks the files first.
        OrtEnv.DisableDllImportResolver = true;
        foreach (Assembly assembly in new[] { typeof(OnnxNative).Assembly, typeof(OrtEnv).Assembly, typeof(Microsoft.ML.OnnxRuntimeGenAI.Model).Assembly })
        {
            try
            {
                NativeLibrary.SetDllImportResolver(assembly, Resolve);
            }
            catch (InvalidOperationException)
            {
                // Someone set one already (a host with its own resolver): leave it, EnsureLoaded still checks the files.
            }
        }
    }

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath) => libraryName switch
    {
        OrtImportName => LoadOrt(),
        GenAiImportName => LoadGenAi(),
        _ => 0, // not ours: the runtime's default probing
    };

    private static nint LoadOrt()
    {
        lock (LoadLock)
        {
            if (_ortHandle == 0)
            {
                string directory = Directory;
                Verify(directory, [OrtFileName, ProvidersSharedFileName]);
                _ortHandle = NativeLibrary.Load(Path.Combine(directory, OrtFileName));
            }
            return _ortHandle;
        }
    }

    private static nint LoadGenAi()
    {
        lock (LoadLock)
        {
            if (_genAiHandle == 0)
            {
                string directory = Directory;
                Verify(directory, [OrtFileName, ProvidersSharedFileName, GenAiFileName]);
                LoadOrt(); // GenAI looks for an already loaded libonnxruntime.so before searching the disk
                _genAiHandle = NativeLibrary.Load(Path.Combine(directory, GenAiFileName));
            }
            return _genAiHandle;
        }
    }
}
