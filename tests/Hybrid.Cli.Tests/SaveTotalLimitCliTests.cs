// --save-total-limit through the CLI: sft and rl keep only the newest checkpoints, and the kept one still resumes exactly.
namespace Hybrid.Cli.Tests;

public sealed class SaveTotalLimitCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-limit-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private static void Ok((int ExitCode, string Stdout, string Stderr) r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");

    private static string[] Checkpoints(string dir) => Directory.GetDirectories(dir, "checkpoint-*").Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void SftKeepsTheNewestCheckpointsAndTheKeptOneResumesExactly()
    {
        string[] Sft(string output, params string[] extra) =>
            ["sft", "--model", f.Model, "--data", f.SftData, "--out", output, "--max-steps", "10", "--batch-size", "2", "--save-steps", "2", "--seed", "1", .. extra];
        string all = Out("sft-all"), limited = Out("sft-limited");
        Ok(HybridProcess.Run(Sft(all)));
        Ok(HybridProcess.Run(Sft(limited, "--save-total-limit", "2")));
        Assert.Equal(["checkpoint-2", "checkpoint-4", "checkpoint-6", "checkpoint-8"], Checkpoints(all));
        Assert.Equal(["checkpoint-6", "checkpoint-8"], Checkpoints(limited));
        Assert.Equal(File.ReadAllBytes(Path.Combine(all, "model.safetensors")), File.ReadAllBytes(Path.Combine(limited, "model.safetensors")));

        File.Delete(Path.Combine(limited, "model.safetensors"));
        Ok(HybridProcess.Run(Sft(limited, "--save-total-limit", "2", "--resume-from", Path.Combine(limited, "checkpoint-6"))));
        Assert.Equal(File.ReadAllBytes(Path.Combine(all, "model.safetensors")), File.ReadAllBytes(Path.Combine(limited, "model.safetensors")));
        Assert.Equal(["checkpoint-6", "checkpoint-8"], Checkpoints(limited));
    }

    [Fact]
    public void RlKeepsTheNewestCheckpoints()
    {
        string output = Out("rl");
        Ok(HybridProcess.Run("rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--reward", "partial_credit", "--group-size", "4",
            "--prompts-per-iteration", "4", "--max-new-tokens", "4", "--iterations", "7", "--save-steps", "2", "--save-total-limit", "1"));
        Assert.Equal(["checkpoint-6"], Checkpoints(output));
        Assert.True(File.Exists(Path.Combine(output, "checkpoint-6", "rl_state.json")));
    }

    [Theory]
    [InlineData("sft")]
    [InlineData("rl")]
    public void ALimitBelowOneIsOneErrorLine(string command)
    {
        string output = Out("bad-" + command);
        string[] args = command == "sft"
            ? ["sft", "--model", f.Model, "--data", f.SftData, "--out", output, "--max-steps", "2", "--save-total-limit", "0"]
            : ["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--group-size", "2", "--iterations", "1", "--save-total-limit", "0"];
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Equal("error: --save-total-limit 0: must be >= 1 (the newest checkpoints kept; leave it out to keep every one)", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(output));
    }
}
