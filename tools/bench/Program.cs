// tools/bench: times the same training step driven from C# and run as pure C++ inside the shim, in one process.
using System.Diagnostics;
using System.Globalization;
using Hybrid.Bench;
using Hybrid.Torch;
using Hybrid.Torch.Interop;
using Hybrid.Torch.Optim;

// Usage: dotnet run -c Release --project tools/bench -- [--rounds N] [--steps N] [--batch B] [--seq T] [--dim D] [--heads H]
//        dotnet run -c Release --project tools/bench -- sft [recipe.json] [batch] [seq] [steps]
//        dotnet run -c Release --project tools/bench -- export [recipe.json]
//        dotnet run -c Release --project tools/bench -- int4 [recipe.json] [sft steps]
//        dotnet run -c Release --project tools/bench -- rollout [models-dir] [rounds]
//        dotnet run -c Release --project tools/bench -- score [recipe.json]
//        dotnet run -c Release --project tools/bench -- rl [iterations]
//        dotnet run -c Release --project tools/bench -- decode FOLDER [npl ...] [--new N] [--prompt N] [--backend genai|ort] [--threads N]
if (args.Length > 0 && args[0] == "decode")
    return DecodeBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "rl")
    return RlBench.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40, Console.Out);
if (args.Length > 0 && args[0] == "rollout")
{
    Hybrid.Rollout.RolloutBench.RunAll(args.Length > 1 ? args[1] : "models", Console.Out, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    return 0;
}
if (args.Length > 0 && args[0] == "score")
{
    Hybrid.Rollout.Scoring.ScoringBench.Run(args.Length > 1 ? args[1] : Path.Combine("models", "small.json"));
    return 0;
}
if (args.Length > 0 && args[0] == "export")
{
    string work = Directory.CreateTempSubdirectory("hybrid-export-bench-").FullName;
    try { Hybrid.Export.Decoder.ExportBench.Run(args.Length > 1 ? args[1] : Path.Combine("models", "small.json"), work, Console.Out); }
    finally { Directory.Delete(work, recursive: true); }
    return 0;
}
if (args.Length > 0 && args[0] == "int4")
    return Int4BenchRun.Run(args.Length > 1 ? args[1] : Path.Combine("models", "small.json"), args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300);
if (args.Length > 0 && args[0] == "sft")
{
    string recipe = args.Length > 1 ? args[1] : Path.Combine("models", "small.json");
    int Arg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
    return SftBench.Run(recipe, Arg(2, 8), Arg(3, 256), Arg(4, 10));
}
var opt = Options.Parse(args);
const double lr = 1e-3, weightDecay = 0.01;
Console.WriteLine($"bench: one-block LM d={opt.Dim} heads={opt.Heads} ffn={opt.Ffn} vocab={opt.Vocab} batch={opt.Batch} seq={opt.Seq}; " +
                  $"AdamW + clip; ATen threads {TorchRuntime.AtenThreads}, OpenBLAS threads {TorchRuntime.BlasThreads}");

LibTorch.ManualSeed(0);
using var model = new BenchBlock(opt.Vocab, opt.Dim, opt.Ffn, opt.Heads);
// The C++ side trains its own deep copy of the same initial weights.
Tensor[] cppParams = CloneAll(model.Parameters());
using var optimizer = new AdamW(model.Parameters(), lr, weightDecay: weightDecay);
using var tokens = LibTorch.RandInt(0, opt.Vocab, [opt.Batch, opt.Seq]);
using var targets = LibTorch.RandInt(0, opt.Vocab, [opt.Batch, opt.Seq]);
using var causal = LibTorch.Ones([opt.Seq, opt.Seq], DType.Bool).Triu(1);  // [T,T] true above the diagonal = masked

// The C++ loop restarts its AdamW state on each call, so each side runs whole independent training runs of `steps` steps
// from the same initial weights: the loss sequences must agree exactly.
var csTimes = new List<double>();
var cppTimes = new List<double>();
int total = opt.Rounds + 1;  // round 0 is warm-up
for (int round = 0; round < total; round++)
{
    using var csModel = new BenchBlock(opt.Vocab, opt.Dim, opt.Ffn, opt.Heads);
    Tensor[] fresh = CloneAll(cppParams);
    using (LibTorch.NoGrad())
        foreach (var (dst, src) in csModel.Parameters().Zip(cppParams)) dst.CopyFrom(src);
    using var csOptimizer = new AdamW(csModel.Parameters(), lr, weightDecay: weightDecay);

    var csLosses = new float[opt.Steps];
    var cppLosses = new float[opt.Steps];
    // Alternate which side goes first so neither always runs on a warmer cache.
    if (round % 2 == 0) { RunCs(); RunCpp(); } else { RunCpp(); RunCs(); }
    foreach (var p in fresh) p.Dispose();

    for (int i = 0; i < opt.Steps; i++)
        if (csLosses[i] != cppLosses[i])
            throw new InvalidOperationException($"round {round} step {i}: C# loss {csLosses[i]:R} != C++ loss {cppLosses[i]:R}");
    if (round == 0)
        Console.WriteLine($"warm-up: {opt.Steps} steps, losses identical on both sides ({csLosses[0]:F4} → {csLosses[^1]:F4})");

    void RunCs()
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < opt.Steps; i++) csLosses[i] = csModel.TrainStep(csOptimizer, tokens, targets, causal);
        if (round > 0) csTimes.Add(sw.Elapsed.TotalMilliseconds / opt.Steps);
    }

    unsafe void RunCpp()
    {
        var handles = fresh.Select(p => p.Handle).ToArray();
        var sw = Stopwatch.StartNew();
        fixed (IntPtr* h = handles)
        fixed (float* l = cppLosses)
            TorchException.Check(NativeNN.hy_bench_block_cpp(h, handles.Length, tokens.Handle, targets.Handle, opt.Heads, opt.Steps, lr, weightDecay, l));
        if (round > 0) cppTimes.Add(sw.Elapsed.TotalMilliseconds / opt.Steps);
    }
}
foreach (var p in cppParams) p.Dispose();

Console.WriteLine("round   C# ms/step   C++ ms/step   ratio");
for (int i = 0; i < csTimes.Count; i++)
    Console.WriteLine($"{i + 1,5}   {csTimes[i],10:F2}   {cppTimes[i],11:F2}   {csTimes[i] / cppTimes[i],5:F3}");
double csMedian = Median(csTimes), cppMedian = Median(cppTimes);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"median: C# {csMedian:F2} ms/step, C++ {cppMedian:F2} ms/step, C# ÷ C++ = {csMedian / cppMedian:F3} (target ≤ 1.05); " +
    $"sum ratio {csTimes.Sum() / cppTimes.Sum():F3}"));
return 0;

// Deep copies as new trainable leaves, owned by the caller.
static Tensor[] CloneAll(IEnumerable<Tensor> source)
{
    using var scope = LibTorch.NewScope();
    return source.Select(p => p.Detach().Clone().DetachFromScope().RequiresGradInPlace()).ToArray();
}

static double Median(List<double> xs)
{
    var s = xs.Order().ToList();
    return s.Count % 2 == 1 ? s[s.Count / 2] : (s[s.Count / 2 - 1] + s[s.Count / 2]) / 2;
}

internal sealed record Options(int Rounds, int Steps, int Batch, int Seq, int Dim, int Heads, int Ffn, int Vocab)
{
    public static Options Parse(string[] args)
    {
        var o = new Options(Rounds: 6, Steps: 20, Batch: 16, Seq: 64, Dim: 128, Heads: 4, Ffn: 512, Vocab: 256);
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            int v = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            o = args[i] switch
            {
                "--rounds" => o with { Rounds = v },
                "--steps" => o with { Steps = v },
                "--batch" => o with { Batch = v },
                "--seq" => o with { Seq = v },
                "--dim" => o with { Dim = v, Ffn = 4 * v },
                "--heads" => o with { Heads = v },
                "--vocab" => o with { Vocab = v },
                _ => throw new ArgumentException($"unknown option {args[i]} (known: --rounds --steps --batch --seq --dim --heads --vocab)"),
            };
        }
        return o;
    }
}
