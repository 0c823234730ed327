// The README's "Your first hour" block, run as written (only the path of the CLI is this checkout's build): every command
// must succeed, and what it promises must be there — the report, the GRPO model, the chat's reply.
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class FirstHourTests
{
    private const string CliLine = "hybrid=$PWD/src/Hybrid.Cli/bin/Release/net10.0/hybrid";

    [Fact]
    public async Task TheReadmeWalkthroughRunsAsWritten()
    {
        string root = RepositoryRoot();
        string block = WalkthroughBlock(File.ReadAllText(Path.Combine(root, "README.md")));
        string[] lines = block.Split('\n');
        Assert.Equal(CliLine, lines[0]);                                  // the one line the test replaces
        Assert.Contains(lines, l => l.StartsWith("$hybrid chat ", StringComparison.Ordinal));
        string apphost = Path.Combine(Path.GetDirectoryName(HybridProcess.CliDll)!, "hybrid");
        string script = string.Join('\n', ["set -euo pipefail", $"hybrid='{apphost}'", .. lines[1..]]);

        string work = Directory.CreateTempSubdirectory("hybrid-first-hour-").FullName;
        try
        {
            var start = new ProcessStartInfo("bash") { WorkingDirectory = work, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(script);
            using Process process = Process.Start(start)!;
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
            process.StandardInput.Write("3+4=\n/exit\n");                // what the reader types into the chat
            process.StandardInput.Close();
            if (!process.WaitForExit(600_000)) { process.Kill(entireProcessTree: true); throw new TimeoutException("the walkthrough ran over 600 s"); }
            string output = await stdout, errors = await stderr;
            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{errors}");

            string run = Path.Combine(work, "runs", "first-hour");
            Assert.Equal(100, File.ReadAllLines(Path.Combine(run, "sft.jsonl")).Length);
            Assert.Equal(50, File.ReadAllLines(Path.Combine(run, "prompts.jsonl")).Length);
            Assert.True(File.Exists(Path.Combine(run, "grpo", "model", "model.safetensors")));
            Assert.Equal(10, File.ReadAllLines(Path.Combine(run, "grpo", "metrics.jsonl")).Select(l => (int)JsonNode.Parse(l)!["step"]!).Max());
            string report = File.ReadAllText(Path.Combine(run, "report.html"));
            foreach (string title in new[] { "Loss", "KL", "Entropy", "Response length", "Time per phase" }) Assert.Contains(title, report);
            Assert.Contains("greedy pass", output);                        // eval's table
            Assert.Contains("chatting with grpo/model", output);
            Assert.Matches(@"you> assistant> \S", output);                  // a reply came to 3+4=
            Assert.DoesNotContain("W:onnxruntime", errors);                 // nothing alarming on stderr
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The first ```bash block under "## Your first hour".</summary>
    private static string WalkthroughBlock(string readme)
    {
        int section = readme.IndexOf("\n## Your first hour\n", StringComparison.Ordinal);
        Assert.True(section >= 0, "README.md has no '## Your first hour' section");
        int open = readme.IndexOf("```bash\n", section, StringComparison.Ordinal) + "```bash\n".Length;
        int close = readme.IndexOf("\n```", open, StringComparison.Ordinal);
        return readme[open..close];
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hybrid.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Hybrid.sln above {AppContext.BaseDirectory}");
    }
}
