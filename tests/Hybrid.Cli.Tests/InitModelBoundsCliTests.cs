// init-model: a typo in --set and sizes that cannot be held are one error line before anything is written.
namespace Hybrid.Cli.Tests;

public sealed class InitModelBoundsCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-init-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData("hiden_size=64", "unknown config.json key 'hiden_size'")]
    [InlineData("hidden_size=1000000", "tensor 'model.layers.0.self_attn.q_proj.weight' [1000000, 1000000] would hold 1,000,000,000,000 values")]
    [InlineData("num_hidden_layers=100000", "more than half of this machine's")]
    [InlineData("max_position_embeddings=1000000000", "field 'max_position_embeddings' = 1000000000 is not supported: must be in [1, 1048576]")]
    public void AnOverrideThatIsATypoOrTooLargeIsRefusedAndNothingIsWritten(string set, string message)
    {
        string output = Path.Combine(_dir, "model");
        var (code, stdout, stderr) = HybridProcess.Run("init-model", "--preset", "tiny", "--out", output, "--set", set);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        Assert.Contains(message, line);
        Assert.False(Directory.Exists(output), "a refused init-model wrote its folder");
    }
}
