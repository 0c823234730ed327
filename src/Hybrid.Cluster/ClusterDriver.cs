// The trainer's side of the cluster: a silo that knows the live workers, publishes policy versions and splits rollouts.
using System.Diagnostics;
using System.Text.Json;
using Hybrid.Data;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;
using RolloutSample = Hybrid.Rollout.Rollout;

namespace Hybrid.Cluster;

/// <summary>
/// Runs the driver's silo (the primary of localhost clustering), finds workers through Orleans' membership, and turns a
/// <see cref="RolloutRequest"/> into shards of whole prompts (a group never splits) pulled by the live workers from one
/// queue. A worker that fails a shard (killed, left, stale) is dropped for the rest of the request and its shard goes
/// back to the queue, so every prompt is generated exactly once, by a worker holding the requested version.
/// </summary>
public sealed class ClusterDriver : IAsyncDisposable, IDisposable
{
    /// <summary>Bytes per <see cref="IRolloutWorker.Receive"/> call: bounded messages, whatever the model size.</summary>
    public const int ChunkBytes = 1 << 20;

    private readonly IHost _host;
    private readonly IGrainFactory _grains;
    private readonly TextWriter? _log;

    /// <summary>The current version's manifests, hashed once per version (not once per worker): the increment and the whole folder.</summary>
    private (Lazy<VersionManifest> Increment, Lazy<VersionManifest> Folder)? _manifests;

    /// <summary>
    /// Workers this driver has installed a version on. A version number means something only within one driver's run: a
    /// worker that outlived another run (Redis membership keeps workers between runs) may hold that run's version 0, so a
    /// worker this driver has not installed on yet always gets the whole folder, whatever version it reports.
    /// </summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _installedHere = new(StringComparer.Ordinal);

    private ClusterDriver(IHost host, TextWriter? log)
    {
        (_host, _log) = (host, log);
        _grains = host.Services.GetRequiredService<IGrainFactory>();
    }

    /// <summary>Raised (on a pool thread) each time a worker's shard has been checked and kept; the argument is the worker.</summary>
    public event Action<string>? ShardCompleted;

    /// <summary>
    /// Seconds spent in shard calls (<see cref="GenerateAsync"/>, <see cref="ClusterScorer"/>) and, of those, seconds during
    /// which at least one worker call was in flight: the rest is the driver's own coordination (queueing, checking,
    /// assembling), the overhead the bench reports.
    /// </summary>
    public (double Total, double WorkersBusy) ShardSeconds { get; private set; }

    /// <summary>The folder and version workers are brought to before they sample (set by <see cref="PublishAsync"/>).</summary>
    public (string Folder, long Version, VersionKind Kind, string[] Files)? Current { get; private set; }

    /// <summary>Starts the driver's silo; a bad or unreachable membership is one clear error.</summary>
    public static async Task<ClusterDriver> StartAsync(ClusterMembership membership, TextWriter? log = null, CancellationToken cancel = default)
    {
        IHost host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Critical))
            .UseOrleans(silo => membership.Configure(silo, "driver", membership.PrimaryPort ?? FreePorts.Next(), FreePorts.Next()))
            .Build();
        try
        {
            await host.StartAsync(cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            host.Dispose();
            throw new ArgumentException($"--cluster {membership.Text}: the driver could not start its silo ({ClusterMembership.Reason(e)})", e);
        }
        return new ClusterDriver(host, log);
    }

    /// <summary>Names of the workers the membership table lists as active now.</summary>
    public async Task<string[]> LiveWorkersAsync()
    {
        var management = _grains.GetGrain<IManagementGrain>(0);
        var hosts = await management.GetDetailedHosts(onlyActive: true);
        return hosts.Select(h => h.SiloName).Where(n => n != "driver").Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Waits until at least <paramref name="count"/> workers are active (for start-up and tests).</summary>
    public async Task<string[]> WaitForWorkersAsync(int count, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            string[] live = await LiveWorkersAsync();
            if (live.Length >= count) return live;
            if (clock.Elapsed > timeout) throw new TimeoutException($"{live.Length} of {count} workers joined within {timeout.TotalSeconds:F0} s");
            await Task.Delay(200);
        }
    }

    /// <summary>
    /// Makes policy <paramref name="version"/> current: <paramref name="folder"/> is the driver's rollout folder at that
    /// version; <paramref name="incrementFiles"/> the files that changed from the version before (an adapter, or a data
    /// file and model.onnx), sent to workers at version − 1; a worker anywhere else gets the whole folder. Returns the
    /// seconds the publish took (all live workers in parallel); a worker that fails it is logged, not waited for.
    /// </summary>
    public async Task<double> PublishAsync(string folder, long version, VersionKind kind, IReadOnlyList<string> incrementFiles)
    {
        string[] increment = incrementFiles.ToArray();
        _manifests = (new Lazy<VersionManifest>(() => new VersionManifest(version, kind, increment.Select(f => Describe(folder, f)).ToArray())),
                      new Lazy<VersionManifest>(() => new VersionManifest(version, VersionKind.Folder, VersionFiles.Folder(folder, version).Select(f => Describe(folder, f)).ToArray())));
        Current = (folder, version, kind, increment);
        var clock = Stopwatch.StartNew();
        string[] workers = await LiveWorkersAsync();
        await Task.WhenAll(workers.Select(async w =>
        {
            // A worker that cannot take the version (killed, not yet declared dead) is caught up or left out when it is next asked to sample.
            try { await BringUpToDateAsync(w); }
            catch (Exception e) { _log?.WriteLine($"[cluster] worker {w} did not take version {version}: {e.GetBaseException().Message}"); }
        }));
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Samples <paramref name="request"/> over the live workers with the current version and returns the rollouts in the
    /// order the in-process engine gives them (prompt-major, samples in order). Seeds depend on prompt indices only
    /// (<see cref="PromptSeeds"/>), so the result does not depend on how many workers there are or which ran what.
    /// </summary>
    public async Task<RolloutBatch> GenerateAsync(RolloutRequest request, int promptsPerShard = 0)
    {
        if (Current is not { } current) throw new InvalidOperationException("publish a policy version before generating");
        int prompts = request.Prompts.Count, g = request.SamplesPerPrompt;
        string samplingJson = JsonSerializer.Serialize(request.Sampling);
        var results = new WorkerRollout[prompts][];
        await ServeShardsAsync(prompts, promptsPerShard, async (worker, shard) =>
        {
            await BringUpToDateAsync(worker);
            WorkerRollout[] rollouts = await Worker(worker).Generate(
                new ShardRequest(current.Version, shard, shard.Select(i => request.Prompts[i]).ToArray(), g, samplingJson));
            Check(rollouts, shard, g, current.Version, worker);
            foreach (var group in rollouts.GroupBy(r => r.PromptIndex))
                results[group.Key] = group.OrderBy(r => r.SampleIndex).ToArray();
        });
        var samples = new List<RolloutSample>(prompts * g);
        for (int p = 0; p < prompts; p++)
            foreach (WorkerRollout r in results[p])
                samples.Add(new RolloutSample
                {
                    PromptIndex = p, SampleIndex = r.SampleIndex, PromptIds = request.Prompts[p], ResponseIds = r.ResponseIds,
                    LogProbs = r.LogProbs, Finish = (FinishReason)r.Finish, PolicyVersion = r.PolicyVersion,
                });
        return new RolloutBatch { Samples = samples, SamplesPerPrompt = g, PolicyVersion = current.Version };
    }

    /// <summary>
    /// Serves items 0 … <paramref name="items"/> − 1 in shards of <paramref name="perShard"/> (0: about two shards per
    /// live worker) from one queue that every live worker pulls from. <paramref name="serve"/> runs one shard on one
    /// worker and keeps its results; when it throws (the worker was killed, left, or answered wrongly), the shard goes
    /// back to the queue and that worker takes no more of this call's shards. Workers that join meanwhile take part once
    /// the first ones are done or out. Every item is served exactly once by the time this returns.
    /// </summary>
    internal async Task ServeShardsAsync(int items, int perShard, Func<string, int[], Task> serve)
    {
        string[] workers = await LiveWorkersAsync();
        if (workers.Length == 0) throw new InvalidOperationException("no worker is live in the cluster (start one with `hybrid worker --cluster …`)");
        int size = perShard > 0 ? perShard : Math.Max(1, (items + 2 * workers.Length - 1) / (2 * workers.Length));
        var queue = new Queue<int[]>(Enumerable.Range(0, (items + size - 1) / size)
            .Select(s => Enumerable.Range(s * size, Math.Min(size, items - s * size)).ToArray()));
        var gate = new Lock();
        var dropped = new HashSet<string>();
        var total = Stopwatch.StartNew();
        var busy = new Stopwatch();
        int inFlight = 0;

        async Task Serve(string worker)
        {
            while (true)
            {
                int[] shard;
                lock (gate)
                {
                    if (queue.Count == 0) return;
                    shard = queue.Dequeue();
                }
                try
                {
                    lock (gate) if (inFlight++ == 0) busy.Start();
                    try { await serve(worker, shard); }
                    finally { lock (gate) if (--inFlight == 0) busy.Stop(); }
                    ShardCompleted?.Invoke(worker);
                }
                catch (Exception e) when (e.GetBaseException() is not DatasetException)   // bad data fails the call, not the worker
                {
                    lock (gate)
                    {
                        queue.Enqueue(shard);   // someone else serves it; this worker is done for this call
                        dropped.Add(worker);
                    }
                    _log?.WriteLine($"[cluster] worker {worker} failed a shard of {shard.Length} items and is left out of this request: {e.GetBaseException().Message}");
                    return;
                }
            }
        }

        var remaining = new List<string>(workers);
        while (true)
        {
            await Task.WhenAll(remaining.Select(Serve));
            lock (gate)
            {
                if (queue.Count == 0)
                {
                    ShardSeconds = (ShardSeconds.Total + total.Elapsed.TotalSeconds, ShardSeconds.WorkersBusy + busy.Elapsed.TotalSeconds);
                    return;
                }
            }
            // Workers dropped out with shards left: use whoever is live and has not failed this call (a restarted worker joins here).
            remaining = (await LiveWorkersAsync()).Where(w => !dropped.Contains(w)).ToList();
            if (remaining.Count == 0) throw new InvalidOperationException($"every worker failed ({string.Join(", ", dropped)}); {queue.Count} shards were not served");
        }
    }

    /// <summary>The grain of worker <paramref name="worker"/>.</summary>
    internal IRolloutWorker Worker(string worker) => _grains.GetGrain<IRolloutWorker>(worker);

    /// <summary>Asks <paramref name="worker"/> alone for all of <paramref name="request"/> as version <paramref name="version"/> (no retry, no publish).</summary>
    internal async Task<WorkerRollout[]> GenerateOnAsync(string worker, RolloutRequest request, long version) =>
        await Worker(worker).Generate(new ShardRequest(version, Enumerable.Range(0, request.Prompts.Count).ToArray(),
            request.Prompts.ToArray(), request.SamplesPerPrompt, JsonSerializer.Serialize(request.Sampling)));

    /// <summary>A shard's rollouts must be exactly its prompts × G, each once, all from the requested version.</summary>
    private static void Check(WorkerRollout[] rollouts, int[] shard, int g, long version, string worker)
    {
        var expected = shard.SelectMany(p => Enumerable.Range(0, g).Select(s => (p, s))).ToHashSet();
        var got = rollouts.Select(r => (r.PromptIndex, r.SampleIndex)).ToList();
        if (got.Count != expected.Count || !got.ToHashSet().SetEquals(expected))
            throw new InvalidDataException($"worker {worker} returned {got.Count} rollouts for {expected.Count} (prompt, sample) pairs, or other pairs");
        if (rollouts.Any(r => r.PolicyVersion != version))
            throw new StaleVersionException($"worker {worker} returned rollouts of another version than {version}");
    }

    /// <summary>
    /// Brings <paramref name="worker"/> to the current version: the changed files from the version before, else (or on this
    /// driver's first install there) the whole folder.
    /// </summary>
    private async Task BringUpToDateAsync(string worker)
    {
        var (folder, version, kind, increment) = Current!.Value;
        IRolloutWorker grain = Worker(worker);
        long held = await grain.Version();
        bool ours = _installedHere.ContainsKey(worker);
        if (held == version && ours) return;
        bool incremental = ours && held == version - 1 && kind != VersionKind.Folder && increment.Length > 0;
        VersionManifest manifest = incremental ? _manifests!.Value.Increment.Value : _manifests!.Value.Folder.Value;
        foreach (VersionFile f in manifest.Files)
            await SendAsync(Path.Combine(folder, f.Name), f.Length, (offset, chunk) => grain.Receive(version, f.Name, offset, chunk));
        await grain.Install(manifest);
        _installedHere[worker] = true;
        _log?.WriteLine($"[cluster] worker {worker}: version {held} → {version} ({manifest.Kind}, {manifest.Files.Sum(f => f.Length):N0} bytes)");
    }

    /// <summary>Sends a file in <see cref="ChunkBytes"/> pieces (at least one, so an empty file exists on the other side).</summary>
    internal static async Task SendAsync(string path, long length, Func<long, byte[], Task> send)
    {
        await using FileStream stream = File.OpenRead(path);
        var buffer = new byte[ChunkBytes];
        long offset = 0;
        do
        {
            int read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false);
            await send(offset, buffer[..read]);
            offset += read;
        } while (offset < length);
    }

    /// <summary>A file of <paramref name="folder"/> as a manifest entry (name, length, SHA-256).</summary>
    internal static VersionFile Describe(string folder, string name)
    {
        string path = Path.Combine(folder, name);
        return new VersionFile(name, new FileInfo(path).Length, WorkerEngine.Sha256(path));
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        try { await _host.StopAsync(TimeSpan.FromSeconds(5)); }
        finally { _host.Dispose(); }
    }
}
