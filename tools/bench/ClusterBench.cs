// tools/bench cluster: RL iterations with rollouts in process vs on 1, 2, 3 worker processes; publish time per version per model size.
using System.Diagnostics;
using System.Globalization;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Cluster;
using Hybrid.Models.Creation;
using Hybrid.Models.Decoder;
using Hybrid.Training.Data;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;

namespace Hybrid.Bench;

/// <summary>
/// Part 1 (<c>recipe</c>, default small): GRPO iterations (G = 8, 8 prompts of 16–24 random tokens, 32 new tokens, adapter
/// sync) with rollouts in process, then on 1, 2 and 3 `hybrid worker` processes on localhost clustering. Per setting: the
/// median iteration, rollout tokens/s, and the coordination overhead — driver time inside shard calls when no worker call
/// was in flight — as a share of the iteration. Part 2: the time to publish one version (the whole folder to a fresh
/// worker, then an adapter increment) for each of tiny, small and base100m. Needs the CLI built (workers are processes).
/// </summary>
internal static class ClusterBench
{
    public static int Run(string[] models, int iterations, TextWriter log)
    {
        string cli = CliDll();
        string recipe = models[0];
        log.WriteLine($"bench cluster: {Path.GetFileNameWithoutExtension(recipe)}, GRPO G = 8, 8 prompts/iteration, 32 new tokens, adapter sync, " +
                      $"{iterations} timed iterations after 1 untimed; {Environment.ProcessorCount} cores shared by trainer and workers");
        log.WriteLine("| rollouts | iteration (median, min–max) | gen share | rollout tokens/s | coordination overhead (% of iteration) |");
        log.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (int workers in new[] { 0, 1, 2, 3 })
            log.WriteLine(Iterations(recipe, workers, iterations, cli));
        log.WriteLine();
        log.WriteLine("| model | weights | folder publish (fresh worker) | adapter publish (worker one version behind) |");
        log.WriteLine("| --- | --- | --- | --- |");
        foreach (string model in models) log.WriteLine(Publish(model, cli));
        return 0;
    }

    private static string Iterations(string recipePath, int workerCount, int iterations, string cli)
    {
        string root = Directory.CreateTempSubdirectory("hybrid-cluster-bench-").FullName;
        var processes = new List<Process>();
        try
        {
            ModelFactory.Create(ModelRecipe.Load(recipePath), Path.Combine(root, "model"), seed: 0);
            using OnlinePolicy policy = OnlinePolicy.Open(Path.Combine(root, "model"), Path.Combine(root, "work"));
            ClusterDriver? driver = null;
            ClusterRollouts? rollouts = null;
            if (workerCount > 0)
            {
                string membership = $"localhost:{FreePort()}";
                driver = ClusterDriver.StartAsync(ClusterMembership.Parse(membership)).GetAwaiter().GetResult();
                for (int w = 0; w < workerCount; w++) processes.Add(StartWorker(cli, membership, $"w{w + 1}", Path.Combine(root, $"w{w + 1}")));
                driver.WaitForWorkersAsync(workerCount, TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
                policy.Rollouts = rollouts = new ClusterRollouts(driver, policy.Engine);
            }
            try
            {
                var random = new Random(3);
                var rows = Enumerable.Range(0, 64).Select(i => new PromptRow(
                    policy.Tokenizer.Decode(Enumerable.Range(0, 16 + random.Next(9)).Select(_ => 300 + random.Next(500)).ToArray()),
                    new Dictionary<string, string> { ["answer"] = "7" }, $"row {i}")).ToList();
                RlAxes axes = RlAxes.FromPreset(RlPresets.Create("grpo", groupSize: 8) with { MiniBatches = 2 });
                using DecoderModel reference = policy.FrozenCopy();
                var config = new RlConfig { Iterations = iterations + 1, PromptsPerIteration = 8, MaxNewTokens = 32, LearningRate = 1e-5, Seed = 5 };
                var trainer = new RlTrainer(policy, config, axes, rows, new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0)), reference);
                RlResult result = trainer.Train(null);
                var timed = result.Iterations.Skip(1).ToList();
                double[] steps = timed.Select(m => m["timing_s/step"]).Order().ToArray();
                double gen = timed.Sum(m => m["timing_s/gen"]), all = timed.Sum(m => m["timing_s/step"]);
                double tokens = timed.Sum(m => m.GetValueOrDefault("completions/mean_length") * 64);
                string overhead = "—";
                if (driver is not null)
                {
                    // The first iteration's shard calls are in the totals too: scale by the timed share of generation.
                    var (total, busy) = driver.ShardSeconds;
                    double share = gen / result.Iterations.Sum(m => m["timing_s/gen"]);
                    overhead = string.Create(CultureInfo.InvariantCulture, $"{100 * (total - busy) * share / all:F2}%");
                }
                string name = workerCount == 0 ? "in process" : $"{workerCount} worker{(workerCount > 1 ? "s" : "")}";
                return string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {steps[steps.Length / 2]:F2} s ({steps[0]:F2}–{steps[^1]:F2}) | {100 * gen / all:F0}% | {tokens / gen:F0} | {overhead} |");
            }
            finally
            {
                driver?.Dispose();
            }
        }
        finally
        {
            foreach (Process p in processes) { try { p.Kill(entireProcessTree: true); p.WaitForExit(); } catch (InvalidOperationException) { } }
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static string Publish(string recipePath, string cli)
    {
        string root = Directory.CreateTempSubdirectory("hybrid-publish-bench-").FullName;
        Process? worker = null;
        try
        {
            ModelFactory.Create(ModelRecipe.Load(recipePath), Path.Combine(root, "model"), seed: 0);
            using OnlinePolicy policy = OnlinePolicy.Open(Path.Combine(root, "model"), Path.Combine(root, "work"));
            string membership = $"localhost:{FreePort()}";
            using ClusterDriver driver = ClusterDriver.StartAsync(ClusterMembership.Parse(membership)).GetAwaiter().GetResult();
            worker = StartWorker(cli, membership, "w1", Path.Combine(root, "w1"));
            driver.WaitForWorkersAsync(1, TimeSpan.FromSeconds(120)).GetAwaiter().GetResult();
            long weights = Directory.GetFiles(policy.Engine.ModelDirectory).Sum(f => new FileInfo(f).Length);
            double folder = driver.PublishAsync(policy.Engine.ModelDirectory, 0, VersionKind.Folder, []).GetAwaiter().GetResult();
            var adapters = new List<double>();
            for (int v = 1; v <= 3; v++)
            {
                policy.PushWeights();
                var (kind, files) = VersionFiles.Of(policy.Engine.ModelDirectory, policy.Engine.Info.ModelFileName, policy.Version);
                adapters.Add(driver.PublishAsync(policy.Engine.ModelDirectory, policy.Version, kind, files).GetAwaiter().GetResult());
            }
            adapters.Sort();
            return string.Create(CultureInfo.InvariantCulture,
                $"| {Path.GetFileNameWithoutExtension(recipePath)} | {weights / 1e6:F1} MB folder | {folder:F2} s | {adapters[1]:F2} s (median of 3; {adapters[0]:F2}–{adapters[2]:F2}) |");
        }
        finally
        {
            if (worker is not null) { try { worker.Kill(entireProcessTree: true); worker.WaitForExit(); } catch (InvalidOperationException) { } }
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static Process StartWorker(string cli, string membership, string name, string dir)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { cli, "worker", "--cluster", membership, "--name", name, "--work-dir", dir }) start.ArgumentList.Add(a);
        Process p = Process.Start(start)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static string CliDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "src", "Hybrid.Cli", "bin", "Release", "net10.0", "hybrid.dll");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("src/Hybrid.Cli/bin/Release/net10.0/hybrid.dll not found: build the solution in Release first");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
