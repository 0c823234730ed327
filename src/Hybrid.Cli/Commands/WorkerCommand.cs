// `hybrid worker`: joins a cluster as a rollout worker (a silo hosting a rollout engine) and serves until stopped.
using Hybrid.Cluster;
using Hybrid.Rollout;

namespace Hybrid.Cli.Commands;

internal static class WorkerCommand
{
    public static Command Create()
    {
        var cluster = new Option<string>("--cluster") { Description = "Membership: localhost, localhost:PORT (the driver's silo port) or redis://HOST:PORT", Required = true };
        var name = new Option<string?>("--name") { Description = "This worker's name in the cluster (default: worker-<host>-<pid>); unique per cluster" };
        var workDir = new Option<string?>("--work-dir") { Description = "Where received policy versions are kept (default: a folder under the system temp directory)" };
        var backend = RolloutBackendOption.Create();
        var device = DeviceOption.Create("Where the rollout engine (ONNX Runtime / GenAI) runs");
        var command = new Command("worker", "Serve rollouts for `hybrid rl|online-dpo --cluster`: receives each policy version from the driver and samples the shards it is given");
        foreach (Option o in new Option[] { cluster, name, workDir, backend, device }) command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            ClusterMembership membership = ClusterMembership.Parse(parse.GetValue(cluster)!);
            string me = parse.GetValue(name) ?? $"worker-{Environment.MachineName}-{Environment.ProcessId}";
            if (me == "driver") throw new ArgumentException("--name driver: the name is the driver's; choose another");
            string dir = parse.GetValue(workDir) ?? Path.Combine(Path.GetTempPath(), "hybrid-" + me);
            var options = new RolloutEngineOptions { Device = DeviceOption.Parse(parse.GetValue(device)!), Backend = parse.GetValue(backend) };
            using var stop = new CancellationTokenSource();
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };
            using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });
            WorkerHost.RunAsync(membership, me, dir, options, Console.Out, stop.Token).GetAwaiter().GetResult();
            return 0;
        }));
        return command;
    }
}
