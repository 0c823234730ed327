// The native-library guard: a missing ONNX Runtime / GenAI library is a clear .NET exception, never a segfault.
using System.Diagnostics;

namespace Hybrid.Onnx.Tests;

public sealed class NativeLibraryGuardTests(TinyDecoderFolder tiny) : IClassFixture<TinyDecoderFolder>
{
    [Fact]
    public void VerifyPassesOnTheBuildOutput()
    {
        OnnxNative.Verify(OnnxNative.Directory);
        // The NuGet packages' native assets: runtimes/<rid>/native/ of the build output.
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native"), OnnxNative.Directory.TrimEnd('/'));
    }

    [Fact]
    public void EnsureLoadedLoadsTheBundledOnnxRuntime()
    {
        OnnxNative.EnsureLoaded();

        // Microsoft.ML.OnnxRuntime 1.31.0, pinned in Directory.Packages.props (GenAI 0.18.0 is built against it and reuses this copy).
        Assert.Equal("1.31.0", Microsoft.ML.OnnxRuntime.OrtEnv.Instance().GetVersionString());
    }

    [Fact]
    public void VerifyNamesEveryMissingFileAndTheFix()
    {
        using var empty = new TempFolder("no-native");

        var error = Assert.Throws<OnnxNativeLibraryException>(() => OnnxNative.Verify(empty.Path));

        Assert.Equal(["libonnxruntime.so", "libonnxruntime_providers_shared.so", "libonnxruntime-genai.so"], error.MissingFiles);
        Assert.Equal(empty.Path, error.Directory);
        Assert.Contains("libonnxruntime.so, libonnxruntime_providers_shared.so, libonnxruntime-genai.so not found", error.Message);
        Assert.Contains("runtimes/<rid>/native/", error.Message);
        Assert.IsAssignableFrom<DllNotFoundException>(error);
    }

    [Fact]
    public void VerifyNamesOnlyTheFileThatIsMissing()
    {
        using var partial = new TempFolder("partial-native");
        File.WriteAllBytes(partial[OnnxNative.GenAiFileName], []);
        File.WriteAllBytes(partial[OnnxNative.ProvidersSharedFileName], []);

        var error = Assert.Throws<OnnxNativeLibraryException>(() => OnnxNative.Verify(partial.Path));

        Assert.Equal([OnnxNative.OrtFileName], error.MissingFiles);
    }

    [Theory]
    [InlineData("genai")]          // our GenAI binding (GenAIModel.Open)
    [InlineData("genai-managed")]  // the package's managed Model, reached after Hybrid.Onnx is loaded
    [InlineData("ort")]
    public void AppWithoutLibOnnxRuntimeExitsWithTheMessageInsteadOfSegfaulting(string api)
    {
        using var app = new TempFolder("app-without-ort");
        CopyTree(AppContext.BaseDirectory, app.Path, except: OnnxNative.OrtFileName);
        string native = Path.Combine(app.Path, "runtimes", "linux-x64", "native");
        Assert.True(File.Exists(Path.Combine(native, OnnxNative.GenAiFileName)), "the copy keeps the other native libraries");

        (int exitCode, string stdout, string stderr) = RunProbe(app["Hybrid.Onnx.Tests.dll"], api, tiny.Path);

        Assert.NotEqual(139, exitCode); // 128 + SIGSEGV: what GenAI does on its own
        Assert.True(exitCode == NativeProbe.MissingLibraryExitCode, $"exit {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains($"Hybrid.Onnx.OnnxNativeLibraryException: libonnxruntime.so not found in '{native}'", stderr);
    }

    [Theory]
    [InlineData("genai")]
    [InlineData("genai-managed")]
    [InlineData("ort")]
    public void TheSameProbeSucceedsFromTheCompleteOutputFolder(string api)
    {
        (int exitCode, string stdout, string stderr) = RunProbe(Path.Combine(AppContext.BaseDirectory, "Hybrid.Onnx.Tests.dll"), api, tiny.Path);

        Assert.True(exitCode == 0, $"exit {exitCode}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Equal("loaded", stdout.Trim());
    }

    /// <summary>
    /// Copies the output folder minus <paramref name="except"/>, and minus what the probe never loads: other platforms'
    /// runtimes and libtorch's natives (~1.3 GB that Hybrid.Export's reference to the models brings along).
    /// </summary>
    private static void CopyTree(string from, string to, string except)
    {
        string otherPlatforms = Path.Combine(from, "runtimes") + Path.DirectorySeparatorChar;
        string linux = Path.Combine(from, "runtimes", "linux-x64") + Path.DirectorySeparatorChar;
        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string name = Path.GetFileName(file);
            if (name == except) continue;
            if (file.StartsWith(otherPlatforms, StringComparison.Ordinal) && !file.StartsWith(linux, StringComparison.Ordinal)) continue;
            if (!name.StartsWith("libonnxruntime", StringComparison.Ordinal) && file.StartsWith(linux, StringComparison.Ordinal)) continue;
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    internal static (int ExitCode, string Stdout, string Stderr) RunProbe(string assembly, string api, string folder)
    {
        // DOTNET_HOST_PATH is set by `dotnet test`; fall back to the muxer on PATH.
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in new[] { assembly, api, folder })
            start.ArgumentList.Add(arg);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "the probe did not finish within 60 s");
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
