// A full disk mid-write: one error line, exit 2, and no half-written file left — on a small tmpfs mounted in a private
// mount namespace (unshare), so nothing outside the test process sees it.
using System.Diagnostics;

namespace Hybrid.Cli.Tests;

public sealed class FullDiskCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    /// <summary>
    /// Runs <c>hybrid args</c> with /tmp/hybrid-full (a 400 kB tmpfs) as its disk, then lists what is left there.
    /// Returns the exit code, stderr, and the entries left (recursive, hidden included).
    /// </summary>
    private static (int ExitCode, string Stderr, string[] Left) OnFullDisk(params string[] args)
    {
        const string mount = "/tmp/hybrid-full";
        Directory.CreateDirectory(mount);
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string command = string.Join(' ', new[] { dotnet, HybridProcess.CliDll }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        string script = $"mount -t tmpfs -o size=400k tmpfs {mount} || exit 99; {command}; code=$?; echo '--left--'; " +
                        $"cd {mount} && find . -mindepth 1 | sort; exit $code";
        var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--mount", "--map-root-user", "sh", "-c", script }) start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        Assert.True(process.ExitCode != 99, $"could not mount a tmpfs in a private namespace (unshare --mount --map-root-user): {stderr.Result}");
        string[] left = stdout.Result[(stdout.Result.IndexOf("--left--", StringComparison.Ordinal) + 8)..]
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return (process.ExitCode, stderr.Result, left);
    }

    [Fact]
    public void AnExportThatFillsTheDiskLeavesNothing()
    {
        var (code, stderr, left) = OnFullDisk("export", "--model", f.Model, "--out", "/tmp/hybrid-full/exported");
        Assert.True(code == 2, $"exit {code}: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: No space left on device", line);
        Assert.EndsWith("(check the path, its permissions and the free space)", line);
        Assert.Empty(left);
    }

    [Fact]
    public void TrainingThatFillsTheDiskKeepsItsMetricsAndLeavesNoPartialModel()
    {
        var (code, stderr, left) = OnFullDisk("sft", "--model", f.Model, "--data", f.SftData, "--out", "/tmp/hybrid-full/run", "--max-steps", "2", "--batch-size", "2");
        Assert.True(code == 2, $"exit {code}: {stderr}");
        Assert.StartsWith("error: No space left on device", stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.Equal(["./run", "./run/metrics.jsonl"], left);   // the run's record; no model, no staging folder, no temp file
    }
}
