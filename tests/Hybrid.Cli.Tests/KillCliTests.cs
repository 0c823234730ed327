// SIGKILL at many points of an export and of checkpointed training: what is left is the complete old or new export,
// or checkpoints that resume to exactly the uninterrupted result.
using System.Security.Cryptography;
using System.Text.Json;

namespace Hybrid.Cli.Tests;

public sealed class KillCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-kill-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    /// <summary>File name → SHA-256 of every file in <paramref name="dir"/> (what "the same folder" means here).</summary>
    private static Dictionary<string, string> Contents(string dir) =>
        Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
    }

    private static void Ok((int ExitCode, string Stdout, string Stderr) r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}: {r.Stderr}");

    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void AnExportKilledAtAnyPointLeavesTheCompleteOldOrTheCompleteNewFolder()
    {
        Ok(HybridProcess.Run("init-model", "--preset", "tiny", "--out", P("a"), "--seed", "1"));
        Ok(HybridProcess.Run("init-model", "--preset", "tiny", "--out", P("b"), "--seed", "2"));
        Ok(HybridProcess.Run("export", "--model", P("a"), "--out", P("old")));
        Ok(HybridProcess.Run("export", "--model", P("b"), "--out", P("new")));
        Dictionary<string, string> oldFiles = Contents(P("old")), newFiles = Contents(P("new"));
        Ok(HybridProcess.Run("export", "--model", P("b"), "--out", P("new-again")));
        Assert.Equal(newFiles, Contents(P("new-again")));   // exports are deterministic, so "the new folder" is well defined
        Assert.NotEqual(oldFiles["model.onnx.data"], newFiles["model.onnx.data"]);

        // Kills aimed at the write: from the moment the staging folder appears, at growing offsets through the graph and
        // data files and the swap; plus one before it exists.
        int sawOld = 0, sawNew = 0, duringWrite = 0;
        string target = P("deployed");
        bool Staging() => Directory.GetDirectories(_dir, ".deployed.staging-*").Length > 0;
        foreach (double offset in new double[] { -1, 0, 1, 2, 4, 8, 15, 30, 60, 120, 250 })
        {
            if (Directory.Exists(target)) Directory.Delete(target, recursive: true);
            foreach (string leftover in Directory.GetDirectories(_dir, ".deployed.*")) Directory.Delete(leftover, recursive: true);
            CopyFolder(P("old"), target);
            bool killed = offset < 0
                ? HybridProcess.RunAndKill(Ms(50), "export", "--model", P("b"), "--out", target)
                : HybridProcess.RunAndKillWhen(Staging, Ms(offset), "export", "--model", P("b"), "--out", target);
            duringWrite += killed && offset >= 0 ? 1 : 0;
            TimeSpan delay = Ms(offset);
            Dictionary<string, string> left = Contents(target);
            bool isOld = left.Count == oldFiles.Count && !left.Except(oldFiles).Any();
            bool isNew = left.Count == newFiles.Count && !left.Except(newFiles).Any();
            Assert.True(isOld || isNew, $"killed {delay.TotalMilliseconds} ms after the staging folder appeared: the folder is a mix ({string.Join(", ", left.Keys)})");
            sawOld += isOld ? 1 : 0;
            sawNew += isNew ? 1 : 0;
        }
        Assert.True(sawOld > 0 && duringWrite >= 5, $"old {sawOld}, new {sawNew}, {duringWrite} kills while the staging folder existed");

        // The next export removes what killed ones left beside the folder.
        Ok(HybridProcess.Run("export", "--model", P("b"), "--out", target));
        Assert.Equal(newFiles, Contents(target));
        Assert.Empty(Directory.GetDirectories(_dir, ".deployed.*"));

        // A failed export (a broken tokenizer) leaves the previous export exactly as it was.
        CopyFolder(P("a"), P("a-broken"));
        File.WriteAllText(Path.Combine(P("a-broken"), "tokenizer.json"), "");
        var failed = HybridProcess.Run("export", "--model", P("a-broken"), "--out", target);
        Assert.Equal(2, failed.ExitCode);
        Assert.Equal(newFiles, Contents(target));
        // …and into a new folder, nothing at all.
        Assert.Equal(2, HybridProcess.Run("export", "--model", P("a-broken"), "--out", P("never")).ExitCode);
        Assert.False(Directory.Exists(P("never")));
    }

    [Theory]
    [InlineData("sft")]
    [InlineData("dpo")]
    public void TrainingKilledAtAnyPointResumesFromWhatIsLeftToTheUninterruptedResult(string command)
    {
        Ok(HybridProcess.Run("init-model", "--preset", "tiny", "--out", P("tiny")));
        string data = P("data.jsonl");
        File.WriteAllLines(data, Enumerable.Range(0, 16).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+1=", completion = $"{i + 1}", chosen = $"{i + 1}", rejected = $"{i + 2}" })));
        string[] Args(string output, params string[] extra) =>
            [command, "--model", P("tiny"), "--data", data, "--out", output, "--max-steps", "8", "--save-steps", "2", "--batch-size", "2", "--logging-steps", "1", "--lr", "1e-3", .. extra];

        Ok(HybridProcess.Run(Args(P("whole"))));
        string finalWeights = Contents(P("whole"))["model.safetensors"];
        string[] metrics = File.ReadAllLines(Path.Combine(P("whole"), "metrics.jsonl"));

        int resumed = 0;
        int trial = 0;
        // Kills aimed at the checkpoint writes: as checkpoint-N.tmp appears (while the weights, optimizer state and trainer
        // state are written into it) and just after checkpoint-N is renamed into place.
        foreach ((int step, string suffix, double offset) in new[] { (2, ".tmp", 0.0), (2, ".tmp", 3.0), (2, "", 0.0), (6, ".tmp", 0.0), (6, ".tmp", 3.0), (6, "", 0.0) })
        {
            string output = P($"killed-{trial++}");
            string watched = Path.Combine(output, $"checkpoint-{step}{suffix}");
            bool killed = HybridProcess.RunAndKillWhen(() => Directory.Exists(watched), Ms(offset), Args(output));
            string delay = $"{offset} ms after {Path.GetFileName(watched)} appeared";
            string[] checkpoints = Directory.Exists(output)
                ? Directory.GetDirectories(output, "checkpoint-*").Where(d => !d.EndsWith(".tmp", StringComparison.Ordinal))
                    .OrderBy(d => int.Parse(Path.GetFileName(d)["checkpoint-".Length..])).ToArray()
                : [];
            foreach (string c in checkpoints)
                foreach (string file in new[] { "config.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json" })
                    Assert.True(File.Exists(Path.Combine(c, file)), $"killed {delay}: {c} lacks {file}");
            if (!killed)
                Assert.Equal(finalWeights, Contents(output)["model.safetensors"]);
            else if (checkpoints.Length > 0)
            {
                Ok(HybridProcess.Run(Args(output, "--resume-from", checkpoints[^1])));
                resumed++;
            }
            else
                Ok(HybridProcess.Run(Args(output, "--overwrite")));
            // Whatever the kill left, the run's end result is the uninterrupted one: weights bit for bit, one metrics row per step.
            Assert.Equal(finalWeights, Contents(output)["model.safetensors"]);
            Assert.Equal(metrics.Select(Step), File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(Step));
            Assert.Empty(Directory.GetDirectories(output, "checkpoint-*.tmp"));
        }
        Assert.True(resumed > 0, "no kill landed after a checkpoint: the delays did not cover the run");
    }

    private static long Step(string metricsLine)
    {
        using var doc = JsonDocument.Parse(metricsLine);
        return doc.RootElement.GetProperty("step").GetInt64();
    }
}
