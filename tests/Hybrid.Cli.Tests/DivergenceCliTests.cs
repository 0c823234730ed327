// Class 1 of the reliability issue through the real CLI: absurd options are refused up front, diverging runs exit non-zero.
using System.Text.Json;
using Hybrid.Tensors.Serialization;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Cli.Tests;

/// <summary>A `tiny` model made by `hybrid init-model`, a copy of it with NaN weights, and small SFT and preference files.</summary>
public sealed class CliFixture : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("hybrid-cli-").FullName;
    public string Model => Path.Combine(Dir, "tiny");
    public string NaNModel => Path.Combine(Dir, "tiny-nan");
    public string SftData => Path.Combine(Dir, "sft.jsonl");
    public string PreferenceData => Path.Combine(Dir, "pref.jsonl");
    public string Prompts => Path.Combine(Dir, "prompts.jsonl");

    public CliFixture()
    {
        var (code, _, err) = HybridProcess.Run("init-model", "--preset", "tiny", "--out", Model);
        if (code != 0) throw new InvalidOperationException($"init-model failed ({code}): {err}");
        Directory.CreateDirectory(NaNModel);
        foreach (string f in Directory.GetFiles(Model)) File.Copy(f, Path.Combine(NaNModel, Path.GetFileName(f)));
        string weights = Path.Combine(NaNModel, "model.safetensors");
        Dictionary<string, Tensor> state = SafeTensors.Load(weights);
        using (no_grad()) state["model.norm.weight"].fill_(float.NaN);
        SafeTensors.Save(weights, state);
        foreach (Tensor t in state.Values) t.Dispose();
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
    public void ARunWhoseLossIsNaNExitsThreeWithoutWritingAModel(string command)
    {
        string output = Out(command);
        string data = command == "sft" ? f.SftData : f.PreferenceData;
        var (code, stdout, stderr) = HybridProcess.Run(command, "--model", f.NaNModel, "--data", data, "--out", output,
            "--lr", "1e-3", "--max-steps", "12", "--batch-size", "2");
        Assert.True(code == 3, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: {command}: training diverged — 8 optimizer steps in a row up to step 8 were skipped because the loss is NaN", line);
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")), $"{command} wrote a model after diverging");
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
    public void RlRefusesAnOccupiedOutWithoutOfferingAResumeItDoesNotHave()
    {
        string output = Path.Combine(f.Dir, "owned-rl");
        string[] Args(params string[] extra) => ["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--preset", "grpo", "--group-size", "2",
                                                 "--iterations", "1", "--prompts-per-iteration", "2", "--max-new-tokens", "4", .. extra];
        var first = HybridProcess.Run(Args());
        Assert.True(first.ExitCode == 0, first.Stderr);
        var again = HybridProcess.Run(Args());
        Assert.Equal(2, again.ExitCode);
        Assert.Equal($"error: --out {output}: the folder is not empty (3 entries, e.g. 'metrics.jsonl'); pass --overwrite to replace its contents, or choose another --out",
                     again.Stderr.Trim());
        var overwritten = HybridProcess.Run(Args("--overwrite"));
        Assert.True(overwritten.ExitCode == 0, overwritten.Stderr);
    }
}
