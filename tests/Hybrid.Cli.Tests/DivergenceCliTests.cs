// Class 1 of the reliability issue through the real CLI: absurd options are refused up front, diverging runs exit non-zero.
using System.Text.Json;
using Hybrid.Tensors.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Cli.Tests;

/// <summary>
/// A `tiny` model made by `hybrid init-model`; a copy with NaN weights (refused on load); a copy whose final norm weight is
/// 3e38 — finite, so it loads, but the logits overflow and every loss is NaN; small SFT, preference and prompt files.
/// </summary>
public sealed class CliFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("hybrid-cli-").FullName;
    public string Model => Path.Combine(Dir, "tiny");
    public string NaNModel => Path.Combine(Dir, "tiny-nan");
    public string OverflowModel => Path.Combine(Dir, "tiny-overflow");
    public string SftData => Path.Combine(Dir, "sft.jsonl");
    public string PreferenceData => Path.Combine(Dir, "pref.jsonl");
    public string Prompts => Path.Combine(Dir, "prompts.jsonl");

    public CliFixture()
    {
        var (code, _, err) = HybridProcess.Run("init-model", "--preset", "tiny", "--out", Model);
        if (code != 0) throw new InvalidOperationException($"init-model failed ({code}): {err}");
        foreach ((string folder, float value) in new[] { (NaNModel, float.NaN), (OverflowModel, 3e38f) })
        {
            Directory.CreateDirectory(folder);
            foreach (string f in Directory.GetFiles(Model)) File.Copy(f, Path.Combine(folder, Path.GetFileName(f)));
            string weights = Path.Combine(folder, "model.safetensors");
            Dictionary<string, Tensor> state = SafeTensors.Load(weights);
            using (no_grad()) state["model.norm.weight"].fill_(value);
            SafeTensors.Save(weights, state);
            foreach (Tensor t in state.Values) t.Dispose();
        }
        File.WriteAllLines(SftData, Enumerable.Range(0, 24).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+1=", completion = $"{i + 1}" })));
        File.WriteAllLines(Prompts, Enumerable.Range(0, 8).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+1=", answer = $"{i + 1}" })));
        File.WriteAllLines(PreferenceData, Enumerable.Range(0, 24).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+1=", chosen = $"{i + 1}", rejected = $"{i + 2}" })));
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class DivergenceCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    [Theory]
    [InlineData("sft", "Infinity")]
    [InlineData("sft", "1e30")]
    [InlineData("sft", "1e6")]
    [InlineData("dpo", "NaN")]
    [InlineData("reward", "1e6")]
    public void AnAbsurdLearningRateIsOneErrorLineAndNothingIsWritten(string command, string lr)
    {
        string output = Out(command);
        string data = command == "sft" ? f.SftData : f.PreferenceData;
        var (code, stdout, stderr) = HybridProcess.Run(command, "--model", f.Model, "--data", data, "--out", output, "--lr", lr, "--max-steps", "2");
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.StartsWith("error: --lr ", line);   // the flag the user typed, not the config property
        Assert.Contains(": must be in (0, 1]", line);
        Assert.False(Directory.Exists(output), "a refused run created its output folder");
    }

    [Theory]
    [InlineData("sft")]
    [InlineData("dpo")]
    [InlineData("reward")]
    [InlineData("rl")]
    public void ARunWhoseLossIsNaNExitsThreeWithoutWritingAModel(string command)
    {
        string output = Out(command);
        string data = command == "sft" ? f.SftData : command == "rl" ? f.Prompts : f.PreferenceData;
        string[] args = command == "rl"
            ? ["rl", "--model", f.OverflowModel, "--data", data, "--out", output, "--group-size", "2", "--prompts-per-iteration", "2", "--max-new-tokens", "2", "--iterations", "12"]
            : [command, "--model", f.OverflowModel, "--data", data, "--out", output, "--lr", "1e-3", "--max-steps", "12", "--batch-size", "2"];
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 3, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error: "));   // rl logs its iterations to stderr too
        Assert.StartsWith($"error: {command}: training diverged — 8 optimizer steps in a row up to step 8 were skipped because the loss is NaN", line);
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")) || File.Exists(Path.Combine(output, "model", "model.safetensors")),
                     $"{command} wrote a model after diverging");
    }

    [Theory]
    [InlineData("sft")]
    [InlineData("dpo")]
    [InlineData("export")]
    [InlineData("online-dpo")]
    public void ACheckpointWithNonFiniteWeightsIsRefusedOnLoad(string command)
    {
        string output = Out(command);
        string[] args = command switch
        {
            "export" => ["export", "--model", f.NaNModel, "--out", output],
            "online-dpo" => ["online-dpo", "--model", f.NaNModel, "--prompts", f.Prompts, "--out", output, "--iterations", "1", "--max-new-tokens", "2"],
            _ => [command, "--model", f.NaNModel, "--data", command == "sft" ? f.SftData : f.PreferenceData, "--out", output, "--max-steps", "1"],
        };
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Equal($"error: {Path.Combine(f.NaNModel, "model.safetensors")}: tensor 'model.norm.weight' holds NaN at element 0: the weights are broken " +
                     "(a diverged run, or a damaged file); use an earlier checkpoint or re-train", stderr.Trim());
        Assert.False(Directory.Exists(output), $"{command} left --out behind");
    }
}

public sealed class OutputFolderCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    [Theory]
    [InlineData("sft")]
    [InlineData("dpo")]
    [InlineData("reward")]
    public void ASecondRunIntoTheSameOutIsRefusedUntilOverwriteAndThenStartsClean(string command)
    {
        string output = Path.Combine(f.Dir, $"owned-{command}");
        string data = command == "sft" ? f.SftData : f.PreferenceData;
        string[] Args(params string[] extra) => [command, "--model", f.Model, "--data", data, "--out", output, "--lr", "1e-3", "--max-steps", "2", "--batch-size", "2", .. extra];

        var first = HybridProcess.Run(Args());
        Assert.True(first.ExitCode == 0, first.Stderr);
        byte[] metrics = File.ReadAllBytes(Path.Combine(output, "metrics.jsonl"));
        int firstRows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Length;

        var again = HybridProcess.Run(Args());
        Assert.Equal(2, again.ExitCode);
        Assert.StartsWith($"error: --out {output}: the folder is not empty", again.Stderr);
        Assert.Contains("--overwrite", again.Stderr);
        Assert.Equal(metrics, File.ReadAllBytes(Path.Combine(output, "metrics.jsonl")));  // untouched

        var overwritten = HybridProcess.Run(Args("--overwrite"));
        Assert.True(overwritten.ExitCode == 0, overwritten.Stderr);
        string[] rows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl"));
        Assert.Equal(firstRows, rows.Length);  // one run's rows, not two runs' appended
    }

    [Fact]
    public void RlRefusesAnOccupiedOutAndOffersItsResume()
    {
        string output = Path.Combine(f.Dir, "owned-rl");
        string[] Args(params string[] extra) => ["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--preset", "grpo", "--group-size", "2",
                                                 "--iterations", "1", "--prompts-per-iteration", "2", "--max-new-tokens", "4", .. extra];
        var first = HybridProcess.Run(Args());
        Assert.True(first.ExitCode == 0, first.Stderr);
        var again = HybridProcess.Run(Args());
        Assert.Equal(2, again.ExitCode);   // metrics.jsonl, model/, rollout/, run_config.json
        Assert.Equal($"error: --out {output}: the folder is not empty (4 entries, e.g. 'metrics.jsonl'); pass --overwrite to replace its contents, " +
                     $"or --resume-from {Path.Combine(output, "checkpoint-N")} to continue that rl run",
                     again.Stderr.Trim());
        var overwritten = HybridProcess.Run(Args("--overwrite"));
        Assert.True(overwritten.ExitCode == 0, overwritten.Stderr);
    }

    [Fact]
    public void OnlineDpoRefusesAnOccupiedOutAndOffersItsResume()
    {
        string output = Path.Combine(f.Dir, "owned-online-dpo");
        string[] args = ["online-dpo", "--model", f.Model, "--prompts", f.Prompts, "--out", output, "--iterations", "1", "--prompts-per-iteration", "2", "--max-new-tokens", "2"];
        var first = HybridProcess.Run(args);
        Assert.True(first.ExitCode == 0, first.Stderr);
        var again = HybridProcess.Run(args);
        Assert.Equal(2, again.ExitCode);
        Assert.EndsWith($"; pass --overwrite to replace its contents, or --resume-from {Path.Combine(output, "checkpoint-N")} to continue that online-dpo run", again.Stderr.Trim());
        Assert.StartsWith($"error: --out {output}: the folder is not empty", again.Stderr.Trim());
    }
}
