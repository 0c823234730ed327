// tools/bench lora: full fine-tuning vs LoRA — trainable parameters, optimizer memory, peak RSS, step time — and the weight
// sync per RL iteration: adapter-only (LoRA A/B) vs a full-weight adapter vs a re-export.
using System.Diagnostics;
using System.Globalization;
using Hybrid.Models.Creation;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Models.Lora;
using Hybrid.Rollout;
using Hybrid.Tensors;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Online;
using Hybrid.Training.Sft;
using static TorchSharp.torch;

namespace Hybrid.Bench;

/// <summary>
/// Part 1, training memory: each mode (full, LoRA r = 16, α = 32 on every projection) runs in its own child process
/// (a fresh process's peak RSS, VmHWM, is its own), interleaved full, LoRA, full, LoRA, …: a random model of the recipe,
/// <c>steps</c> SFT steps of 8 × 128 random tokens. Reported: trainable parameters, optimizer state bytes (AdamW's two
/// moments, counted from its tensors), peak RSS and seconds per step (medians of runs, min–max).
/// <para>
/// Part 2, weight sync: the same random weights served by the rollout engine three ways — LoRA paths with only A/B
/// overridable (adapter-only), every weight overridable (a full-weight adapter: what a LoRA run pushes when it syncs
/// merged weights), and a plain export reloaded with a new data file (re-export). Each mode pushes <c>pushes</c> times
/// (the adapters or weights nudged before each push, as an update would); reported: bytes written per push, seconds per
/// push (median, min–max), the largest |Δlogit| between engine and trainer after the last push, and the seconds to
/// decode 4 prompts × 32 greedy tokens afterwards (overridable weights cannot be pre-packed by ONNX Runtime).
/// </para>
/// </summary>
internal static class LoraBench
{
    private static readonly LoraConfig Lora = new() { Rank = 16, Alpha = 32, TargetModules = [LoraConfig.AllLinear] };

    public static int Run(string recipePath, int runs, int steps, int pushes, TextWriter log)
    {
        var inv = CultureInfo.InvariantCulture;
        log.WriteLine($"bench lora: {Path.GetFileNameWithoutExtension(recipePath)}; LoRA r = {Lora.Rank}, α = {Lora.Alpha}, all-linear; {Environment.ProcessorCount} cores");
        if (runs == 0)   // part 2 only
        {
            SyncPart(recipePath, pushes, log);
            return 0;
        }
        log.WriteLine($"part 1: {steps} SFT steps of 8 × 128 random tokens per run, {runs} runs per mode interleaved (full, lora, …), each in its own process");
        var results = new Dictionary<string, List<Dictionary<string, double>>> { ["full"] = [], ["lora"] = [] };
        for (int run = 0; run < runs; run++)
            foreach (string mode in new[] { "full", "lora" })
            {
                Dictionary<string, double> r = Child(mode, recipePath, steps);
                results[mode].Add(r);
                log.WriteLine(string.Create(inv, $"  run {run + 1} {mode}: peak RSS {r["peak_rss_mib"]:F0} MiB, {r["s_per_step"]:F3} s/step"));
            }
        log.WriteLine();
        log.WriteLine("| mode | trainable parameters | optimizer state | peak RSS (median, min–max) | s/step (median, min–max) |");
        log.WriteLine("| --- | --- | --- | --- | --- |");
        foreach (var (mode, rs) in results)
        {
            string Stat(string key, string format) => string.Create(inv, $"{Median(rs.Select(r => r[key])).ToString(format, inv)} ({rs.Min(r => r[key]).ToString(format, inv)}–{rs.Max(r => r[key]).ToString(format, inv)})");
            log.WriteLine(string.Create(inv, $"| {mode} | {rs[0]["trainable"]:N0} | {rs[0]["optimizer_bytes"] / (1 << 20):F1} MiB | {Stat("peak_rss_mib", "F0")} MiB | {Stat("s_per_step", "F3")} |"));
        }
        log.WriteLine(string.Create(inv, $"LoRA ÷ full: peak RSS {Median(results["lora"].Select(r => r["peak_rss_mib"])) / Median(results["full"].Select(r => r["peak_rss_mib"])):F3}, " +
                                         $"s/step {Median(results["lora"].Select(r => r["s_per_step"])) / Median(results["full"].Select(r => r["s_per_step"])):F3}"));
        log.WriteLine();
        SyncPart(recipePath, pushes, log);
        return 0;
    }

    /// <summary>The child side of part 1: trains, then prints one line of key=value figures.</summary>
    public static int Train(string mode, string recipePath, int steps)
    {
        var (_, config, created) = BenchModel.Create(recipePath);
        using DecoderModel model = created;
        if (mode == "lora") LoraLayers.Attach(model, Lora);
        var trainable = model.parameters().Where(p => p.requires_grad).ToList();
        using var optimizer = new AdamW(trainable, 1e-4);
        List<TokenizedExample> rows = BenchModel.RandomRows(config, 8, 128);
        SftStep.Run(model, optimizer, [rows], 0, 1e-4, 1.0);                     // first step: allocations, JIT
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++) SftStep.Run(model, optimizer, [rows], 0, 1e-4, 1.0);
        double perStep = clock.Elapsed.TotalSeconds / steps;
        long optimizerBytes = optimizer.ExpAvg.Concat(optimizer.ExpAvgSq).Sum(t => t.NumberOfElements * t.ElementSize);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"trainable={trainable.Sum(p => p.NumberOfElements)} optimizer_bytes={optimizerBytes} peak_rss_mib={PeakRssMiB():F1} s_per_step={perStep:F4}"));
        return 0;
    }

    private static Dictionary<string, double> Child(string mode, string recipePath, int steps)
    {
        string host = Environment.ProcessPath!;
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(typeof(LoraBench).Assembly.Location);
        foreach (string a in new[] { "lora-train", mode, recipePath, steps.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
        using Process child = Process.Start(start)!;
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        string stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"lora-train {mode} failed ({child.ExitCode}): {stderr.Result}");
        string line = stdout.Split('\n').Last(l => l.StartsWith("trainable=", StringComparison.Ordinal));
        return line.Split(' ').Select(kv => kv.Split('=')).ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
    }

    private static void SyncPart(string recipePath, int pushes, TextWriter log)
    {
        var inv = CultureInfo.InvariantCulture;
        log.WriteLine($"part 2: weight sync, {pushes} pushes per mode after a first untimed one; decode: 4 prompts × 32 greedy tokens after the last push");
        log.WriteLine("| sync | bytes per push | s per push (median, min–max) | engine vs trainer max abs Δlogit | decode s (median of 3) |");
        log.WriteLine("| --- | --- | --- | --- | --- |");
        string root = Directory.CreateTempSubdirectory("hybrid-lora-bench-").FullName;
        try
        {
            string modelDir = Path.Combine(root, "model");
            ModelFactory.Create(ModelRecipe.Load(recipePath), modelDir, seed: 0);
            foreach (var (label, options) in new (string, OnlinePolicyOptions)[]
                     {
                         ("adapter-only (LoRA A/B)", new OnlinePolicyOptions { Sync = SyncMechanism.Adapter, Lora = Lora, ContextLength = 256 }),
                         ("full-weight adapter", new OnlinePolicyOptions { Sync = SyncMechanism.Adapter, ContextLength = 256 }),
                         ("re-export", new OnlinePolicyOptions { Sync = SyncMechanism.ReExport, ContextLength = 256 }),
                     })
            {
                using OnlinePolicy policy = OnlinePolicy.Open(modelDir, Path.Combine(root, "work-" + label.Split(' ')[0]), options);
                var seconds = new List<double>();
                long bytes = 0;
                for (int push = 0; push <= pushes; push++)
                {
                    Nudge(policy.Model, push);
                    var clock = Stopwatch.StartNew();
                    policy.PushWeights();
                    if (push > 0) seconds.Add(clock.Elapsed.TotalSeconds);
                    bytes = NewestVersionBytes(policy.RolloutDir);
                }
                int vocab = policy.Config.VocabSize;
                int[] probe = Enumerable.Range(0, 24).Select(i => (300 + 7 * i) % vocab).ToArray();
                double diff = MaxDiff(policy.Engine.Logits(probe), TrainerLogits(policy.Model, probe));
                var decode = new List<double>();
                for (int i = 0; i < 3; i++)
                {
                    var clock = Stopwatch.StartNew();
                    policy.Engine.Generate(new RolloutRequest
                    {
                        Prompts = Enumerable.Range(0, 4).Select(p => Enumerable.Range(0, 16).Select(t => (300 + 11 * p + t) % vocab).ToArray()).ToArray(),
                        Sampling = SamplingParams.Greedy(32),
                    });
                    decode.Add(clock.Elapsed.TotalSeconds);
                }
                log.WriteLine(string.Create(inv, $"| {label} | {bytes / 1e6:F2} MB | {Median(seconds):F3} ({seconds.Min():F3}–{seconds.Max():F3}) | {diff:G3} | {Median(decode):F2} |"));
            }
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Moves what an update would move: the adapters under LoRA (B away from zero), every weight otherwise.</summary>
    private static void Nudge(DecoderModel model, int push)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        TensorUtil.ManualSeed((ulong)(100 + push));
        foreach (var p in model.parameters().Where(p => p.requires_grad)) p.add_(randn_like(p).mul(1e-3));
    }

    /// <summary>Size of the newest version file the sync wrote (policy.vN.onnx_adapter or model.vN.onnx.data).</summary>
    private static long NewestVersionBytes(string folder) =>
        new DirectoryInfo(folder).GetFiles().Where(f => f.Name.Contains(".v", StringComparison.Ordinal)).OrderByDescending(f => f.LastWriteTimeUtc).First().Length;

    private static float[] TrainerLogits(DecoderModel model, int[] tokens)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return model.Forward(tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length])).data<float>().ToArray();
    }

    private static double MaxDiff(float[] a, float[] b) => a.Zip(b, (x, y) => Math.Abs((double)x - y)).Max();

    private static double PeakRssMiB()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        return double.NaN;
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
