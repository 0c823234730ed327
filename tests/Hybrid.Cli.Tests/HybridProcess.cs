// Runs the built `hybrid` CLI as a child process and returns its exit code and output.
using System.Diagnostics;

namespace Hybrid.Cli.Tests;

internal static class HybridProcess
{
    /// <summary>src/Hybrid.Cli/bin/&lt;configuration&gt;/net10.0/hybrid.dll of this checkout (the configuration this test was built in).</summary>
    public static string CliDll
    {
        get
        {
            string configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;  // bin/<configuration>/net10.0/
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "src", "Hybrid.Cli", "bin", configuration, "net10.0", "hybrid.dll");
                if (File.Exists(candidate)) return candidate;
            }
            throw new FileNotFoundException($"hybrid.dll ({configuration}) not found above {AppContext.BaseDirectory}: build the solution first");
        }
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliDll);
        foreach (string a in args) start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000)) { process.Kill(entireProcessTree: true); throw new TimeoutException($"hybrid {string.Join(' ', args)} ran over 300 s"); }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
