// `hybrid worker`: a silo with a rollout engine that joins the cluster and serves shards until stopped.
using Hybrid.Rollout;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Runtime;

namespace Hybrid.Cluster;

/// <summary>
/// Starts silo <paramref name="name"/> in <paramref name="membership"/>, registers its <see cref="WorkerEngine"/>
/// (versions kept under <paramref name="workDir"/>), activates its worker grain locally so the grain lives here, and
/// runs until the token is cancelled (Ctrl-C, SIGTERM) — or the process is killed, which the cluster detects. When
/// Orleans gives the silo up (<see cref="WorkerFatalErrors"/>: a localhost driver restarted on its port, as a resumed run
/// or the next run does, or the cluster declared this silo dead), the worker says so in one line and joins again with a
/// fresh silo and engine, so one worker serves run after run; the driver then sends it the whole current version.
/// </summary>
public static class WorkerHost
{
    /// <summary>How long a given-up silo may take to stop before it is abandoned (its ports are not reused).</summary>
    private static readonly TimeSpan s_stopGrace = TimeSpan.FromSeconds(5);

    public static async Task RunAsync(ClusterMembership membership, string name, string workDir, RolloutEngineOptions engineOptions,
        TextWriter log, CancellationToken cancel)
    {
        Directory.CreateDirectory(workDir);
        for (bool rejoin = false; !cancel.IsCancellationRequested; rejoin = true)
        {
            var fatal = new WorkerFatalErrors();
            using IHost host = Host.CreateDefaultBuilder()
                .ConfigureLogging(l => l.ClearProviders().AddSimpleConsole().SetMinimumLevel(LogLevel.Critical))
                .ConfigureServices(s => s.AddSingleton(_ => new WorkerEngine(workDir, engineOptions))
                                         .AddSingleton(_ => new WorkerScorers(workDir, engineOptions.Device)))
                .UseOrleans(silo => membership.Configure(silo, name, FreePorts.Next(), FreePorts.Next()))
                .ConfigureServices(s => s.Replace(ServiceDescriptor.Singleton<IFatalErrorHandler>(fatal)))
                .Build();
            try
            {
                await host.StartAsync(cancel);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new ArgumentException($"--cluster {membership.Text}: worker {name} could not {(rejoin ? "rejoin" : "join")} ({ClusterMembership.Reason(e)})", e);
            }
            var grains = host.Services.GetRequiredService<IGrainFactory>();
            long version = await grains.GetGrain<IRolloutWorker>(name).Version();   // activates the grain on this silo
            log.WriteLine($"[worker {name}] {(rejoin ? "rejoined" : "joined")} {membership.Text}; policy version {version}");
            Task stopped = Task.Delay(Timeout.Infinite, cancel);
            if (await Task.WhenAny(stopped, fatal.Lost) == fatal.Lost)
            {
                log.WriteLine($"[worker {name}] left the lost cluster ({await fatal.Lost}); joining again");
                using var grace = new CancellationTokenSource(s_stopGrace);
                try { await host.StopAsync(grace.Token); }
                catch (Exception) { }   // a given-up silo may not stop cleanly; its engine is disposed with the host
                continue;
            }
            await host.StopAsync(CancellationToken.None);
            log.WriteLine($"[worker {name}] left");
        }
    }
}
