// A worker's rollout engine and its versions on disk: staged files checked by hash, then installed (new folder or in place).
using System.Security.Cryptography;
using System.Text.Json;
using Hybrid.Models.Generation;
using Hybrid.Rollout;

namespace Hybrid.Cluster;

/// <summary>
/// One per worker process (a DI singleton beside its silo). Files of version n arrive in <c>{root}/staging/v{n}/</c>; a
/// <see cref="VersionKind.Folder"/> version then becomes <c>{root}/v{n}/</c> with a new engine (the old one is disposed),
/// an incremental one is moved into the current folder and installed on the running engine. A file whose length or
/// SHA-256 differs from the manifest is refused and nothing is installed.
/// </summary>
public sealed class WorkerEngine(string root, RolloutEngineOptions engineOptions) : IDisposable
{
    private readonly Lock _lock = new();
    private RolloutEngine? _engine;
    private string? _folder;

    /// <summary>The installed policy version, −1 before the first.</summary>
    public long Version
    {
        get { lock (_lock) return _engine?.PolicyVersion ?? -1; }
    }

    /// <summary>Writes a chunk of a staged file (names are plain file names: no folders, no "..").</summary>
    public void Receive(long version, string file, long offset, byte[] data) => StagedFile.Write(StagedPath(version, file), offset, data);

    /// <summary>Checks the staged files against <paramref name="manifest"/> and installs the version.</summary>
    public long Install(VersionManifest manifest)
    {
        string staging = Path.Combine(root, "staging", $"v{manifest.Version}");
        foreach (VersionFile f in manifest.Files) StagedFile.Check(StagedPath(manifest.Version, f.Name), f, $"version {manifest.Version}");
        lock (_lock)
        {
            if (manifest.Kind == VersionKind.Folder) InstallFolder(manifest, staging);
            else InstallIncrement(manifest, staging);
            return _engine!.PolicyVersion;
        }
    }

    /// <summary>
    /// Samples <paramref name="request"/>'s prompts. Each prompt's G samples are one engine request whose seed is derived
    /// from the run's seed and the prompt's index in the whole iteration, so which worker runs a prompt changes nothing.
    /// </summary>
    public WorkerRollout[] Generate(ShardRequest request)
    {
        RolloutEngine engine;
        lock (_lock) engine = _engine ?? throw new StaleVersionException($"this worker holds no policy version yet; the request is for version {request.Version}");
        if (engine.PolicyVersion != request.Version)
            throw new StaleVersionException($"this worker holds policy version {engine.PolicyVersion}; the request is for version {request.Version}");
        SamplingParams sampling = JsonSerializer.Deserialize<SamplingParams>(request.SamplingJson)
            ?? throw new ArgumentException("ShardRequest.SamplingJson is empty");
        var results = new WorkerRollout[request.Prompts.Length][];
        Parallel.For(0, request.Prompts.Length, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, engine.Options.ParallelChunks) }, i =>
        {
            int promptIndex = request.PromptIndices[i];
            RolloutBatch batch = engine.Generate(new RolloutRequest
            {
                Prompts = [request.Prompts[i]],
                SamplesPerPrompt = request.SamplesPerPrompt,
                Sampling = sampling with { Seed = sampling.Seed is long seed ? PromptSeeds.For(seed, promptIndex) : null },
            });
            results[i] = batch.Samples.Select(s => new WorkerRollout(promptIndex, s.SampleIndex, s.ResponseIds, s.LogProbs, (int)s.Finish, s.PolicyVersion)).ToArray();
        });
        WorkerRollout[] all = results.SelectMany(r => r).ToArray();
        if (all.Any(r => r.PolicyVersion != request.Version))
            throw new StaleVersionException($"a new version was installed while this shard ran; the request is for version {request.Version}");
        return all;
    }

    private void InstallFolder(VersionManifest manifest, string staging)
    {
        string folder = Path.Combine(root, $"v{manifest.Version}");
        if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        Directory.Move(staging, folder);
        VersionFile? adapter = manifest.Files.FirstOrDefault(f => f.Name.EndsWith(".onnx_adapter", StringComparison.Ordinal));
        // A folder with an adapter is the base export at the version before plus that version's adapter.
        var engine = new RolloutEngine(folder, engineOptions, initialVersion: adapter is null ? manifest.Version : manifest.Version - 1);
        try
        {
            if (adapter is not null) engine.InstallAdapter(manifest.Version, Path.Combine(folder, adapter.Name));
        }
        catch
        {
            engine.Dispose();
            throw;
        }
        (RolloutEngine? old, string? oldFolder) = (_engine, _folder);
        (_engine, _folder) = (engine, folder);
        old?.Dispose();
        if (oldFolder is not null && oldFolder != folder) Directory.Delete(oldFolder, recursive: true);
    }

    private void InstallIncrement(VersionManifest manifest, string staging)
    {
        if (_engine is null || _folder is null || _engine.PolicyVersion != manifest.Version - 1)
            throw new StaleVersionException($"version {manifest.Version} ({manifest.Kind}) installs only on version {manifest.Version - 1}; this worker holds {_engine?.PolicyVersion ?? -1}");
        if (manifest.Kind == VersionKind.Adapter)
        {
            VersionFile adapter = manifest.Files.Single();
            string path = Path.Combine(_folder, adapter.Name);
            File.Move(Path.Combine(staging, adapter.Name), path, overwrite: true);
            _engine.InstallAdapter(manifest.Version, path);
        }
        else
        {
            // The data file first (a new name), then model.onnx over the old one, then the reload that maps the new file.
            VersionFile data = manifest.Files.Single(f => f.Name.EndsWith(".onnx.data", StringComparison.Ordinal));
            VersionFile model = manifest.Files.Single(f => f.Name == _engine.Info.ModelFileName);
            string dataPath = Path.Combine(_folder, data.Name);
            File.Move(Path.Combine(staging, data.Name), dataPath, overwrite: true);
            File.Move(Path.Combine(staging, model.Name), Path.Combine(_folder, model.Name), overwrite: true);
            _engine.InstallReloadedModel(manifest.Version, dataPath);
        }
        Directory.Delete(staging, recursive: true);
    }

    private string StagedPath(long version, string file) => Path.Combine(root, "staging", $"v{version}", StagedFile.PlainName(file));

    internal static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _engine?.Dispose();
            _engine = null;
        }
    }
}
