// --config: options from YAML/JSON under the command line's, unknown keys refused, and a run repeated from its run_config.json.
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class ConfigFileCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string P(string name) => Path.Combine(f.Dir, "config-" + name);

    [Fact]
    public void AYamlFileSetsOptionsFlagsWinAndTheResolvedFileRepeatsTheRunExactly()
    {
        File.WriteAllText(P("run.yaml"), "# an SFT run\nlr: 1e-3\nmax_steps: 5\nbatch-size: 4\nlogging-steps: 1\nseed: 7\n");
        var (code, _, err) = HybridProcess.Run("sft", "--config", P("run.yaml"), "--model", f.Model, "--data", f.SftData, "--out", P("a"), "--max-steps", "3");
        Assert.True(code == 0, err);
        JsonObject resolved = JsonNode.Parse(File.ReadAllText(Path.Combine(P("a"), "run_config.json")))!.AsObject();
        Assert.Equal(1e-3, (double)resolved["lr"]!);            // from the file
        Assert.Equal(3, (int)resolved["max-steps"]!);           // the flag beats the file's 5
        Assert.Equal(4, (int)resolved["batch-size"]!);
        Assert.Equal(7, (int)resolved["seed"]!);
        Assert.Equal(1, (int)resolved["grad-accum"]!);          // defaults are written too
        Assert.Equal(Path.GetFullPath(f.Model), (string)resolved["model"]!);
        Assert.False(resolved.ContainsKey("config") || resolved.ContainsKey("overwrite"));

        // Repeating from run_config.json (another --out) gives the same settings and, seeded, the same losses.
        (code, _, err) = HybridProcess.Run("sft", "--config", Path.Combine(P("a"), "run_config.json"), "--out", P("b"));
        Assert.True(code == 0, err);
        JsonObject repeated = JsonNode.Parse(File.ReadAllText(Path.Combine(P("b"), "run_config.json")))!.AsObject();
        repeated.Remove("out");
        resolved.Remove("out");
        Assert.Equal(resolved.ToJsonString(), repeated.ToJsonString());
        Assert.Equal(File.ReadAllLines(Path.Combine(P("a"), "metrics.jsonl")), File.ReadAllLines(Path.Combine(P("b"), "metrics.jsonl")));
    }

    [Theory]
    [InlineData("bad.yaml", "lr: 1e-3\ngroup-size: 8\n", "bad.yaml: unknown key 'group-size' for `hybrid sft` (its options: ")]
    [InlineData("bad.json", "{\"lr\": 0.001, \"epochz\": 2}", "bad.json: unknown key 'epochz' for `hybrid sft`")]
    [InlineData("broken.yaml", "lr: [1e-3\n", "broken.yaml:")]
    [InlineData("list.yaml", "- lr\n- 1e-3\n", "list.yaml: the top level must be a mapping of option names")]
    [InlineData("run.toml", "lr = 1", "--config")]
    public void ABadConfigFileIsOneLineNamingTheFileAndLeavesNoOutput(string name, string content, string expected)
    {
        File.WriteAllText(P(name), content);
        string output = P("out-" + name);
        var (code, stdout, stderr) = HybridProcess.Run("sft", "--config", P(name), "--model", f.Model, "--data", f.SftData, "--out", output);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(expected, line);
        Assert.False(Directory.Exists(output));
    }
}
