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

    /// <summary>Starts <c>hybrid args</c> with its output redirected; the caller reads, waits for and disposes it.</summary>
    public static Process Start(params string[] args)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var start = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliDll);
        foreach (string a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    /// <summary>
    /// Starts <c>hybrid args</c> and sends it SIGKILL after <paramref name="delay"/> (Process.Kill is SIGKILL on Linux);
    /// true when the kill landed, false when the command had already finished (its exit code must then be 0).
    /// </summary>
    public static bool RunAndKill(TimeSpan delay, params string[] args) => RunAndKillWhen(() => true, delay, args);

    /// <summary>
    /// Starts <c>hybrid args</c>, polls <paramref name="ready"/> every millisecond or so, and sends SIGKILL
    /// <paramref name="after"/> once it holds: a kill aimed at a moment of the run (a checkpoint folder appearing) rather
    /// than at a wall-clock time that load on the machine would shift. False when the command finished first.
    /// </summary>
    public static bool RunAndKillWhen(Func<bool> ready, TimeSpan after, params string[] args)
    {
        using Process process = Start(args);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        while (!ready() && !process.HasExited) Thread.Sleep(1);
        if (process.WaitForExit(after))
        {
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"hybrid {string.Join(' ', args)} failed ({process.ExitCode}): {stderr.Result}");
            return false;
        }
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        return true;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] args)
    {
        using Process process = Start(args);
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000)) { process.Kill(entireProcessTree: true); throw new TimeoutException($"hybrid {string.Join(' ', args)} ran over 300 s"); }
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
