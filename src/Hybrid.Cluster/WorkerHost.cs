// `hybrid worker`: a silo with a rollout engine that joins the cluster and serves shards until stopped.
using Hybrid.Rollout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Hybrid.Cluster;

/// <summary>
/// Starts silo <paramref name="name"/> in <paramref name="membership"/>, registers its <see cref="WorkerEngine"/>
/// (versions kept under <paramref name="workDir"/>), activates its worker grain locally so the grain lives here, and
/// runs until the token is cancelled (Ctrl-C, SIGTERM) — or the process is killed, which the cluster detects.
/// </summary>
public static class WorkerHost
{
    public static async Task RunAsync(ClusterMembership membership, string name, string workDir, RolloutEngineOptions engineOptions,
        TextWriter log, CancellationToken cancel)
    {
        Directory.CreateDirectory(workDir);
        using IHost host = Host.CreateDefaultBuilder()
            .ConfigureLogging(l => l.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Critical))
            .ConfigureServices(s => s.AddSingleton(_ => new WorkerEngine(workDir, engineOptions))
                                     .AddSingleton(_ => new WorkerScorers(workDir, engineOptions.Device)))
            .UseOrleans(silo => membership.Configure(silo, name, FreePorts.Next(), FreePorts.Next()))
            .Build();
        try
        {
            await host.StartAsync(cancel);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new ArgumentException($"--cluster {membership.Text}: worker {name} could not join ({ClusterMembership.Reason(e)})", e);
        }
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        long version = await grains.GetGrain<IRolloutWorker>(name).Version();   // activates the grain on this silo
        log.WriteLine($"[worker {name}] joined {membership.Text}; policy version {version}");
        try { await Task.Delay(Timeout.Infinite, cancel); }
        catch (OperationCanceledException) { }
        await host.StopAsync(CancellationToken.None);
        log.WriteLine($"[worker {name}] left");
    }
}
