// --cluster: how silos find each other — localhost clustering on one machine, or a Redis membership table for many hosts.
using System.Net;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace Hybrid.Cluster;

/// <summary>
/// <c>localhost</c> or <c>localhost:PORT</c>: development clustering on this machine; the driver's silo is the primary
/// (silo port PORT, default 11111) that workers join. <c>redis://HOST:PORT</c>: Orleans' Redis membership table, so
/// silos on different hosts find each other (every host must reach the Redis server and each silo's advertised address).
/// </summary>
public sealed record ClusterMembership(string Text, int? PrimaryPort, string? RedisConfiguration)
{
    public const int DefaultPrimaryPort = 11111;
    public const string ClusterId = "hybrid";
    public const string ServiceId = "hybrid-rollouts";

    /// <summary>The first clause of why a silo could not start (Redis client messages run on for a paragraph).</summary>
    public static string Reason(Exception e)
    {
        string message = e.GetBaseException().Message;
        int comma = message.IndexOf(", ", StringComparison.Ordinal);
        return comma > 0 ? message[..comma] : message;
    }

    /// <summary>Parses a <c>--cluster</c> value; errors name the flag and the accepted forms.</summary>
    public static ClusterMembership Parse(string text)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        if (text == "localhost") return new(text, DefaultPrimaryPort, null);
        if (text.StartsWith("localhost:", StringComparison.Ordinal))
        {
            if (int.TryParse(text["localhost:".Length..], out int port) && port is > 0 and < 65536) return new(text, port, null);
        }
        else if (text.StartsWith("redis://", StringComparison.Ordinal) && Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && uri.Host.Length > 0)
        {
            return new(text, null, $"{uri.Host}:{(uri.IsDefaultPort ? 6379 : uri.Port)},abortConnect=false,connectTimeout=3000");
        }
        throw new ArgumentException($"--cluster {text}: expected localhost, localhost:PORT or redis://HOST:PORT");
    }

    /// <summary>
    /// Configures a silo named <paramref name="name"/> listening on <paramref name="siloPort"/>/<paramref name="gatewayPort"/>
    /// (0: any free port), with failure detection tuned so a killed worker is declared dead within seconds.
    /// </summary>
    public void Configure(ISiloBuilder silo, string name, int siloPort, int gatewayPort)
    {
        silo.Configure<SiloOptions>(o => o.SiloName = name);
        WorkerSiloPlacementDirector.Register(silo);
        silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (ClusterId, ServiceId));
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        });
        if (RedisConfiguration is null)
        {
            var primary = new IPEndPoint(IPAddress.Loopback, PrimaryPort!.Value);
            silo.UseDevelopmentClustering(primary);
            silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort, listenOnAnyHostAddress: false);
        }
        else
        {
            silo.UseRedisClustering(RedisConfiguration);
            silo.ConfigureEndpoints(siloPort, gatewayPort);
        }
    }
}
