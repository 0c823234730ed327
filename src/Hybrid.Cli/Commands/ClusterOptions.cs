// --cluster and --cluster-workers of the commands that can use rollout/scoring workers (rl, online-dpo, score).
using Hybrid.Cluster;

namespace Hybrid.Cli.Commands;

internal sealed class ClusterOptions
{
    public Option<string?> Cluster { get; } = new("--cluster")
    {
        Description = "Run on workers started with `hybrid worker --cluster …` instead of in process: localhost, localhost:PORT or redis://HOST:PORT",
    };

    public Option<int> Workers { get; } = new("--cluster-workers")
    {
        Description = "With --cluster: workers to wait for before starting (more may join later)",
        DefaultValueFactory = _ => 1,
    };

    public Option<int> WaitSeconds { get; } = new("--cluster-timeout")
    {
        Description = "With --cluster: seconds to wait for --cluster-workers workers before giving up",
        DefaultValueFactory = _ => 120,
    };

    public Option[] All => [Cluster, Workers, WaitSeconds];

    /// <summary>The parsed membership (null without --cluster); a bad value or --cluster-workers is one clear error.</summary>
    public ClusterMembership? Membership(ParseResult parse)
    {
        if (parse.GetValue(Workers) < 1) throw new ArgumentException($"--cluster-workers {parse.GetValue(Workers)}: must be >= 1");
        if (parse.GetValue(WaitSeconds) < 1) throw new ArgumentException($"--cluster-timeout {parse.GetValue(WaitSeconds)}: must be >= 1 (seconds)");
        return parse.GetValue(Cluster) is string c ? ClusterMembership.Parse(c) : null;
    }

    /// <summary>Starts the driver's silo and waits up to --cluster-timeout seconds for --cluster-workers workers.</summary>
    public ClusterDriver Start(ClusterMembership membership, ParseResult parse)
    {
        ClusterDriver driver = ClusterDriver.StartAsync(membership, Console.Out).GetAwaiter().GetResult();
        try
        {
            string[] workers = driver.WaitForWorkersAsync(parse.GetValue(Workers), TimeSpan.FromSeconds(parse.GetValue(WaitSeconds))).GetAwaiter().GetResult();
            Console.WriteLine($"[cluster] {workers.Length} workers: {string.Join(", ", workers)}");
            return driver;
        }
        catch (Exception e)
        {
            driver.Dispose();
            if (e is TimeoutException) throw new ArgumentException($"--cluster {membership.Text}: {e.Message} (start them with `hybrid worker --cluster {membership.Text}`)");
            throw;
        }
    }
}
