// A run owns its output folder: refused when it holds another run's files, cleared on --overwrite, locked, trimmed on resume.
using Hybrid.Training.Output;

namespace Hybrid.Training.Tests.Output;

public sealed class RunFolderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-runfolder-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Folder(params string[] files)
    {
        string path = Path.Combine(_dir, "out");
        Directory.CreateDirectory(path);
        foreach (string f in files)
        {
            string full = Path.Combine(path, f);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, f);
        }
        return path;
    }

    [Fact]
    public void AMissingOrEmptyFolderIsClaimedAndTheLockGoesWithTheRun()
    {
        string path = Path.Combine(_dir, "new", "out");
        using (RunFolder.Claim(path, "sft", overwrite: false, resumeStep: null))
            Assert.True(File.Exists(Path.Combine(path, RunFolder.LockFileName)));
        Assert.False(Directory.Exists(path));   // a run that wrote nothing leaves nothing: the folder it created goes with the lock
        Directory.CreateDirectory(path);
        using (RunFolder.Claim(path, "sft", overwrite: false, resumeStep: null))
            File.WriteAllText(Path.Combine(path, "metrics.jsonl"), "");
        Assert.Equal(["metrics.jsonl"], Directory.EnumerateFileSystemEntries(path).Select(e => Path.GetFileName(e)!).ToArray());  // the lock is gone
        File.Delete(Path.Combine(path, "metrics.jsonl"));
        using (RunFolder.Claim(path, "sft", overwrite: false, resumeStep: null)) { }  // an empty folder is claimable
        Assert.True(Directory.Exists(path));    // and one that existed before the run stays
    }

    [Fact]
    public void AFolderWithAnotherRunsFilesIsRefusedUntouchedUnlessOverwriting()
    {
        string path = Folder("metrics.jsonl", "checkpoint-4/model.safetensors");
        var error = Assert.Throws<ArgumentException>(() => RunFolder.Claim(path, "sft", overwrite: false, resumeStep: null));
        Assert.Equal($"--out {path}: the folder is not empty (2 entries, e.g. 'checkpoint-4'); pass --overwrite to replace its contents, " +
                     $"or --resume-from {path}/checkpoint-N to continue that sft run", error.Message);
        Assert.Equal(["checkpoint-4", "metrics.jsonl"], Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).Order());

        var noResume = Assert.Throws<ArgumentException>(() => RunFolder.Claim(path, "rl", overwrite: false, resumeStep: null, canResume: false));
        Assert.EndsWith("pass --overwrite to replace its contents, or choose another --out", noResume.Message);  // rl has no --resume-from

        using (RunFolder.Claim(path, "sft", overwrite: true, resumeStep: null))
            Assert.Equal([RunFolder.LockFileName], Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName));
    }

    [Fact]
    public void ASecondClaimWhileTheFirstRunsIsRefused()
    {
        string path = Path.Combine(_dir, "busy");
        using var first = RunFolder.Claim(path, "dpo", overwrite: false, resumeStep: null);
        var error = Assert.Throws<ArgumentException>(() => RunFolder.Claim(path, "dpo", overwrite: true, resumeStep: null));
        Assert.Contains("another hybrid run is writing to this folder", error.Message);
    }

    [Fact]
    public void ResumingKeepsTheMetricsUpToTheCheckpointAndRemovesStagingLeftovers()
    {
        string path = Folder("checkpoint-2/trainer_state.json", "checkpoint-4.tmp/optimizer.safetensors", ".model.safetensors.partial-ab12/x");
        File.WriteAllText(Path.Combine(path, "metrics.jsonl"), "{\"step\":1,\"loss\":3}\n{\"step\":2,\"loss\":2}\n{\"step\":3,\"loss\":1.5}\n{\"step\":4,\"lo");
        using (RunFolder.Claim(path, "reward", overwrite: false, resumeStep: 2))
        {
            Assert.Equal("{\"step\":1,\"loss\":3}\n{\"step\":2,\"loss\":2}\n", File.ReadAllText(Path.Combine(path, "metrics.jsonl")));
            Assert.False(Directory.Exists(Path.Combine(path, "checkpoint-4.tmp")));
            Assert.False(Directory.Exists(Path.Combine(path, ".model.safetensors.partial-ab12")));
            Assert.True(Directory.Exists(Path.Combine(path, "checkpoint-2")));
        }
    }

    [Fact]
    public void AFileGivenAsTheFolderIsOneClearError()
    {
        string file = Path.Combine(_dir, "a-file");
        File.WriteAllText(file, "x");
        var error = Assert.Throws<ArgumentException>(() => RunFolder.Claim(file, "sft", overwrite: true, resumeStep: null));
        Assert.Equal($"--out {file}: is a file; give a folder (it is created when missing)", error.Message);
    }
}
