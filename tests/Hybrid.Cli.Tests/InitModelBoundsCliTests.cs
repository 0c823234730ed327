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

public sealed class ExportAndScoreBoundsCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    [Theory]
    [InlineData(new[] { "--int4", "--block-size", "1048576" }, "--block-size 1048576: MatMulNBits needs a power of two from 16 to 256")]
    [InlineData(new[] { "--context-length", "100000000" }, "--context-length 100000000: must be in [1, 512] (the model's max_position_embeddings)")]
    public void AnExportSizeBeyondTheModelIsRefusedBeforeAnythingIsWritten(string[] options, string message)
    {
        string output = Path.Combine(f.Dir, "export-" + Guid.NewGuid().ToString("N")[..8]);
        var (code, stdout, stderr) = HybridProcess.Run(["export", "--model", f.Model, "--out", output, .. options]);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains(message, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(output) && Directory.EnumerateFileSystemEntries(output).Any(), "a refused export left files");
    }

    [Fact]
    public void ScoreRefusesAnAbsurdThreadCount()
    {
        string output = Path.Combine(f.Dir, "scored.jsonl");
        var (code, stdout, stderr) = HybridProcess.Run("score", "--model", f.Model, "--data", f.SftData, "--out", output, "--threads", "100000");
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Contains("--threads 100000: must be in [0, ", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(File.Exists(output));
    }
}
