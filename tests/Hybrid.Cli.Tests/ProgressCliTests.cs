// Training commands on a terminal draw a progress bar updated in place; piped, they print the plain "[step n] …" lines.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class ProgressCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "progress-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private string[] Sft(string output) =>
        ["sft", "--model", f.Model, "--data", f.SftData, "--out", output, "--max-steps", "6", "--batch-size", "4", "--logging-steps", "2", "--lr", "1e-3"];

    /// <summary>The last row of {run}/metrics.jsonl, read here.</summary>
    private static JsonObject LastRow(string run) => JsonNode.Parse(File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))[^1])!.AsObject();

    [Fact]
    public void PipedOutputKeepsThePlainLines()
    {
        string output = Out("plain");
        var (code, stdout, stderr) = HybridProcess.Run(Sft(output));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.DoesNotContain('\u001b', stdout);                          // no cursor movement or colour
        string[] rows = stdout.Split('\n').Where(l => l.StartsWith("[step ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["[step 2] ", "[step 4] ", "[step 6] "], rows.Select(r => r[..9]));
        string loss = ((double)LastRow(output)["loss"]!).ToString("0.0000", CultureInfo.InvariantCulture);
        Assert.Contains($"loss {loss}", rows[^1]);
    }

    [Fact]
    public void OnATerminalTheBarMovesInPlaceWithTheKeyMetrics()
    {
        string output = Out("live");
        var (code, transcript) = RunInTerminal(Sft(output));
        Assert.True(code == 0, $"exit {code}\n{transcript}");
        Assert.Contains('\u001b', transcript);
        Assert.Contains("━", transcript);                                 // the bar
        Assert.DoesNotContain("[step ", transcript);                      // rows move the bar instead of printing lines
        // The bar's last description: the run, the position and the last row's loss (as metrics.jsonl has it).
        string loss = ((double)LastRow(output)["loss"]!).ToString("0.0000", CultureInfo.InvariantCulture);
        Assert.Contains($"sft 6/6  loss {loss}  tok/s ", transcript);
        Assert.Contains("100%", transcript);
        Assert.Contains("done: 6 steps", transcript);                     // the command's own lines still come, above the bar
        Assert.Equal(3, File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Length);
    }

    [Fact]
    public void AnRlRunShowsIterationsRewardAndKl()
    {
        string output = Out("rl");
        var (code, transcript) = RunInTerminal("rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--group-size", "2",
            "--prompts-per-iteration", "2", "--max-new-tokens", "4", "--iterations", "2", "--reward", "accuracy");
        Assert.True(code == 0, $"exit {code}\n{transcript}");
        JsonObject last = LastRow(output);
        string F(string key) => ((double)last[key]!).ToString("0.0000", CultureInfo.InvariantCulture);
        Assert.Contains($"rl 2/2  reward {F("reward")}  kl {F("actor/kl_loss")}  tok/s ", transcript);
        Assert.DoesNotContain("[step ", transcript);
    }

    /// <summary>Runs <c>hybrid args</c> under util-linux <c>script</c> (a pseudo-terminal, TERM=xterm-256color); returns the exit code and what it drew.</summary>
    private static (int ExitCode, string Transcript) RunInTerminal(params string[] args)
    {
        string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        string command = string.Join(' ', new[] { dotnet, HybridProcess.CliDll }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
        var start = new ProcessStartInfo("script") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-q", "-e", "-c", command, "/dev/null" }) start.ArgumentList.Add(a);
        start.Environment["TERM"] = "xterm-256color";
        using Process process = Process.Start(start)!;
        process.StandardInput.Close();   // nothing is typed: a terminal query would read end-of-input, not wait for ever
        Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(300_000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"hybrid {args[0]} ran over 300 s; it had drawn:\n{stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
