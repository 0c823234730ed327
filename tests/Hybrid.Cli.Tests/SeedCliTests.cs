// --seed repeats a run: PPO's critic, whose value head is drawn fresh from a causal LM, starts the same way each time.
namespace Hybrid.Cli.Tests;

public sealed class SeedCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "seed-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    [Fact]
    public void PpoWithTheSameSeedEndsWithTheSameWeights()
    {
        string Run(string seed)
        {
            string output = Out("ppo" + seed);
            var (code, stdout, stderr) = HybridProcess.Run("rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--preset", "ppo",
                "--iterations", "2", "--prompts-per-iteration", "4", "--group-size", "4", "--max-new-tokens", "4", "--lr", "1e-3", "--seed", seed);
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
            return Path.Combine(output, "model", "model.safetensors");
        }
        string a = Run("5"), b = Run("5"), c = Run("6");
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
        Assert.NotEqual(File.ReadAllBytes(a), File.ReadAllBytes(c));
    }
}
