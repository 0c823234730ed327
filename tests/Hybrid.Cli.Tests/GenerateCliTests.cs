// `hybrid generate`: n samples per prompt in input order, reproducible with a seed, Best-of-N keeping the best-scored sample.
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class GenerateCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string P(string name) => Path.Combine(f.Dir, "generate-" + name);

    private JsonObject[] Generate(string output, params string[] extra)
    {
        var (code, stdout, stderr) = HybridProcess.Run(["generate", "--model", f.Model, "--data", f.Prompts, "--out", output, "--max-new-tokens", "6", .. extra]);
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("tokens/s", stdout);
        return File.ReadAllLines(output).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
    }

    [Fact]
    public void SamplesComeInInputOrderReproduciblyAndBestOfKeepsTheHighestScoredSample()
    {
        string[] prompts = File.ReadAllLines(f.Prompts).Select(l => (string)JsonNode.Parse(l)!["prompt"]!).ToArray();

        // From the checkpoint (exported on the fly): 3 samples per prompt, prompt-major, the input's columns kept.
        JsonObject[] rows = Generate(P("n3.jsonl"), "--n", "3", "--seed", "5");
        Assert.Equal(prompts.Length * 3, rows.Length);
        Assert.Equal(prompts.SelectMany(p => Enumerable.Repeat(p, 3)), rows.Select(r => (string)r["prompt"]!));
        Assert.Equal(Enumerable.Range(0, prompts.Length).SelectMany(_ => new[] { 0, 1, 2 }), rows.Select(r => (int)r["sample"]!));
        Assert.All(rows, r => Assert.True(r.ContainsKey("answer") && (int)r["tokens"]! is >= 1 and <= 6 && (string)r["finish_reason"]! is "stop" or "length"));
        Assert.Equal(rows.Select(r => r.ToJsonString()), Generate(P("n3-again.jsonl"), "--n", "3", "--seed", "5").Select(r => r.ToJsonString()));

        // Best-of-4 with the same seed draws the same 4 samples and keeps the one with the highest score (the first on ties).
        JsonObject[] four = Generate(P("n4.jsonl"), "--n", "4", "--seed", "9");
        JsonObject[] best = Generate(P("best4.jsonl"), "--best-of", "4", "--reward", "length_penalty", "--seed", "9");
        Assert.Equal(prompts.Length, best.Length);
        for (int p = 0; p < prompts.Length; p++)
        {
            double[] scores = best[p]["scores"]!.AsArray().Select(s => (double)s!).ToArray();
            Assert.Equal(4, scores.Length);
            int kept = (int)best[p]["sample"]!;
            Assert.Equal(Array.IndexOf(scores, scores.Max()), kept);
            Assert.Equal(scores.Max(), (double)best[p]["score"]!);
            Assert.Equal((string)four[p * 4 + kept]["completion"]!, (string)best[p]["completion"]!);
        }
    }

    [Fact]
    public void BestOfWithAnExportedRewardModelKeepsTheSampleHybridScoreRatesHighest()
    {
        // A reward model (two steps on the fixture's pairs) exported for ORT scoring.
        string rm = P("rm"), rmExport = P("rm-export");
        foreach (string[] args in new[]
        {
            new[] { "reward", "--model", f.Model, "--data", f.PreferenceData, "--out", rm, "--max-steps", "2" },
            ["export", "--model", rm, "--out", rmExport],
        })
        {
            var (c, o, e) = HybridProcess.Run(args);
            Assert.True(c == 0, $"hybrid {args[0]}: exit {c}\n{o}\n{e}");
        }
        JsonObject[] three = Generate(P("rm-n3.jsonl"), "--n", "3", "--seed", "4");
        JsonObject[] best = Generate(P("rm-best3.jsonl"), "--best-of", "3", "--reward-model", rmExport, "--seed", "4");

        // The same samples scored by `hybrid score` (rows {prompt, completion}), read back here.
        var (code, stdout, stderr) = HybridProcess.Run("score", "--model", rmExport, "--data", P("rm-n3.jsonl"), "--out", P("rm-scored.jsonl"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        double[] scored = File.ReadAllLines(P("rm-scored.jsonl")).Select(l => (double)JsonNode.Parse(l)!["score"]!).ToArray();
        Assert.Equal(three.Length, scored.Length);
        for (int p = 0; p < best.Length; p++)
        {
            double[] scores = best[p]["scores"]!.AsArray().Select(x => (double)x!).ToArray();
            for (int i = 0; i < 3; i++) Assert.Equal(scored[p * 3 + i], scores[i], 5);
            int kept = (int)best[p]["sample"]!;
            Assert.Equal(Array.IndexOf(scores, scores.Max()), kept);
            Assert.Equal((string)three[p * 3 + kept]["completion"]!, (string)best[p]["completion"]!);
        }
    }

    [Theory]
    [InlineData(new[] { "--best-of", "4" }, "--best-of needs a reward: --reward-model DIR or --reward NAME")]
    [InlineData(new[] { "--reward", "accuracy" }, "--reward-model and --reward choose the best sample: add --best-of N")]
    [InlineData(new[] { "--best-of", "1", "--reward", "accuracy" }, "--best-of 1: must be >= 2 (samples to choose from)")]
    [InlineData(new[] { "--temperature", "-1" }, "--temperature -1: must be >= 0 (0: greedy)")]
    public void BadOptionsAreOneLine(string[] extra, string expected)
    {
        string output = P("bad.jsonl");
        var (code, stdout, stderr) = HybridProcess.Run(["generate", "--model", f.Model, "--data", f.Prompts, "--out", output, .. extra]);
        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Equal($"error: {expected}", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(File.Exists(output));
    }
}
