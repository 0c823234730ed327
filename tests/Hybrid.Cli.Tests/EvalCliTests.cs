// `hybrid eval`: pass@k from its n samples equals pass@k counted here from the same samples' scores (written by generate --best-of).
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class EvalCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string P(string name) => Path.Combine(f.Dir, "eval-" + name);

    /// <summary>C(n, k) as a double, from its product form.</summary>
    private static double Choose(int n, int k) => k < 0 || k > n ? 0 : Enumerable.Range(1, k).Aggregate(1.0, (acc, i) => acc * (n - k + i) / i);

    [Fact]
    public void PassAtKAndSampledScoreMatchTheScoresOfTheSameSamples()
    {
        // The same request (prompts, 4 samples each, seed 42, temperature 1, 6 tokens) through generate, whose Best-of-N writes every score.
        string[] common = ["--model", f.Model, "--data", f.Prompts, "--max-new-tokens", "6", "--seed", "42"];
        var (code, _, err) = HybridProcess.Run(["generate", .. common, "--out", P("best.jsonl"), "--best-of", "4", "--reward", "partial_credit", "--temperature", "1"]);
        Assert.True(code == 0, err);
        double[][] scores = File.ReadAllLines(P("best.jsonl")).Select(l => JsonNode.Parse(l)!["scores"]!.AsArray().Select(s => (double)s!).ToArray()).ToArray();

        (code, var stdout, err) = HybridProcess.Run(["eval", .. common, "--out", P("eval.json"), "--reward", "partial_credit", "--samples", "4", "--k", "1,2,4", "--pass-threshold", "0.3"]);
        Assert.True(code == 0, err);
        Assert.Contains("pass@2: ", stdout);                                      // the plain table when output is not a terminal
        JsonObject result = JsonNode.Parse(File.ReadAllText(P("eval.json")))!.AsObject();
        Assert.Equal(scores.Length, (int)result["prompts"]!);
        JsonObject sampled = result["sampled"]!.AsObject();
        Assert.Equal(scores.SelectMany(s => s).Average(), (double)sampled["score"]!, 12);
        int[] passes = scores.Select(s => s.Count(x => x >= 0.3)).ToArray();
        Assert.Contains(passes, c => c is > 0 and < 4);                          // the check is not vacuous: some prompts pass some samples
        foreach (int k in new[] { 1, 2, 4 })
        {
            double expected = passes.Average(c => 1 - Choose(4 - c, k) / Choose(4, k));
            Assert.Equal(expected, (double)sampled["pass_at_k"]![$"pass@{k}"]!, 12);
        }
        double greedyPass = (double)result["greedy"]!["pass"]!;
        Assert.InRange(greedyPass, 0, 1);
    }
}
