// make-data reasoning: the files, their sizes and levels, the same bytes for the same seed; a bad flag is one line and writes nothing.
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class MakeDataCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-make-data-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonObject[] Rows(string path) => File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();

    [Fact]
    public void WritesSftPromptsDevAndHeldOutWithTheAskedLevelsAndCountsReproducibly()
    {
        string output = Path.Combine(_dir, "data");
        string[] args = ["make-data", "reasoning", "--out", output, "--levels", "1-3", "--sft-levels", "1", "--train", "30", "--dev", "5", "--heldout", "10", "--seed", "4"];
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 0, stderr);
        Assert.Contains("wrote 30 worked solutions (levels 1), 90 RL prompts, 15 dev and 30 held-out prompts (levels 1,2,3)", stdout);
        Assert.Equal(["dev.jsonl", "heldout.jsonl", "prompts.jsonl", "sft.jsonl"], Directory.GetFiles(output).Select(Path.GetFileName).Order());

        JsonObject[] sft = Rows(Path.Combine(output, "sft.jsonl")), prompts = Rows(Path.Combine(output, "prompts.jsonl"));
        JsonObject[] heldOut = Rows(Path.Combine(output, "heldout.jsonl"));
        Assert.Equal(30, sft.Length);
        Assert.All(sft, r => Assert.Equal(1, (int)r["level"]!));
        // A level-1 worked solution: two step lines, then the answer line whose number is the last step's result.
        Assert.All(sft, r =>
        {
            string[] lines = ((string)r["completion"]!).Split('\n');
            Assert.Equal(3, lines.Length);
            Assert.Equal($"The answer is {lines[1].Split(" = ")[1]}.", lines[2]);
        });
        Assert.Equal([30, 30, 30], prompts.CountBy(r => (int)r["level"]!).OrderBy(kv => kv.Key).Select(kv => kv.Value));
        Assert.Equal([10, 10, 10], heldOut.CountBy(r => (int)r["level"]!).OrderBy(kv => kv.Key).Select(kv => kv.Value));
        Assert.All(prompts.Concat(heldOut), r => Assert.EndsWith($"The answer is {(string)r["answer"]!}.", (string)r["solution"]!));
        Assert.Empty(prompts.Select(r => (string)r["solution"]!).Intersect(heldOut.Select(r => (string)r["solution"]!)));

        // Again with --overwrite: the same seed writes the same bytes; without it, the existing files are refused.
        byte[] before = File.ReadAllBytes(Path.Combine(output, "prompts.jsonl"));
        (code, _, stderr) = HybridProcess.Run(args);
        Assert.Equal(2, code);
        Assert.Equal($"error: --out {output}: already holds sft.jsonl; add --overwrite to replace the data files", stderr.Trim());
        (code, _, stderr) = HybridProcess.Run([.. args, "--overwrite"]);
        Assert.True(code == 0, stderr);
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(output, "prompts.jsonl")));
    }

    [Theory]
    [InlineData(new[] { "--levels", "0-3" }, "error: --levels 0-3: '0-3' is not a level or range of levels in 1–6 (e.g. 1-4 or 1,3)")]
    [InlineData(new[] { "--levels", "1-2", "--sft-levels", "3" }, "error: --sft-levels 3: level 3 is not in --levels 1-2")]
    [InlineData(new[] { "--train", "0" }, "error: --train 0: must be >= 1 (problems per level)")]
    [InlineData(new[] { "--max-value", "1000" }, "error: --max-value 1000: must be in 20–999")]
    [InlineData(new[] { "--sft-train", "0" }, "error: --sft-train 0: must be >= 1 (problems per level)")]
    [InlineData(new[] { "--levels", "1", "--heldout", "5000" }, "error: --heldout 5000: level 1 has too few distinct heldout problems for 5000")]
    public void ABadFlagIsOneErrorLineExitTwoAndWritesNothing(string[] flags, string message)
    {
        string output = Path.Combine(_dir, "bad-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, stdout, stderr) = HybridProcess.Run(["make-data", "reasoning", "--out", output, .. flags]);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.StartsWith(message, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(output), "a refused make-data created its folder");
    }
}
