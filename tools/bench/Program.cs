// tools/bench: benchmarks that are too long for tests (training steps, RL iterations, rollouts, scoring, export, decoding).
using System.Diagnostics;
using System.Globalization;
using Hybrid.Bench;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;

// Usage: dotnet run -c Release --project tools/bench -- sft [recipe.json] [batch] [seq] [steps] [--bf16]
//        dotnet run -c Release --project tools/bench -- memory [recipe.json] [steps]
//        dotnet run -c Release --project tools/bench -- ops
//        dotnet run -c Release --project tools/bench -- logprobs [recipe.json]
//        dotnet run -c Release --project tools/bench -- rl [iterations] [--bf16]
//        dotnet run -c Release --project tools/bench -- async [recipe.json] [pairs] [iterations] [new tokens] [prompts]
//        dotnet run -c Release --project tools/bench -- lora [recipe.json] [runs] [steps] [pushes]   (default base100m 3 5 5)
//        dotnet run -c Release --project tools/bench -- reasoning [recipe.json] [--sft-steps N] [--sft-control-steps N] [--presets grpo,dapo|none] [--arm "NAME=PRESET --flag value ..."]... [--sft-save-steps N] [--rl-save-steps N] [--resume] [--rl-iterations N] [--train N] [--eval N] [--eval-set heldout|dev] ...
//        dotnet run -c Release --project tools/bench -- export [recipe.json]
//        dotnet run -c Release --project tools/bench -- int4 [recipe.json] [sft steps]
//        dotnet run -c Release --project tools/bench -- rollout [models-dir] [rounds]
//        dotnet run -c Release --project tools/bench -- score [recipe.json]
//        dotnet run -c Release --project tools/bench -- decode FOLDER [npl ...] [--new N] [--prompt N] [--backend genai|ort] [--threads N]
//        dotnet run -c Release --project tools/bench -- cluster [recipe.json ...] [iterations]   (first recipe: the iteration table)
//        DOTNET_TieredCompilation=0 dotnet run -c Release --project tools/bench -- scalar-race [seconds]
if (args.Length > 0 && args[0] == "cluster")
{
    string[] models = args.Skip(1).Where(a => a.EndsWith(".json", StringComparison.Ordinal)).ToArray();
    int iterations = args.Skip(1).Where(a => !a.EndsWith(".json", StringComparison.Ordinal)).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).DefaultIfEmpty(5).First();
    return ClusterBench.Run(models.Length > 0 ? models : ["models/small.json", "models/tiny.json", "models/base100m.json"], iterations, Console.Out);
}
if (args.Length > 0 && args[0] == "decode")
    return DecodeBench.Run(args[1..]);
if (args.Length > 0 && args[0] == "scalar-race")
    return ScalarRaceBench.Run(args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10);
if (args.Length > 0 && args[0] == "rl")
{
    string[] rest = args.Where(a => a != "--bf16").ToArray();
    return RlBench.Run(rest.Length > 1 ? int.Parse(rest[1], CultureInfo.InvariantCulture) : 40, Console.Out, bf16: args.Contains("--bf16"));
}
if (args.Length > 0 && args[0] == "lora")
{
    int LoraArg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
    return LoraBench.Run(args.Length > 1 ? args[1] : "models/base100m.json", LoraArg(2, 3), LoraArg(3, 5), LoraArg(4, 5), Console.Out);
}
if (args.Length > 0 && args[0] == "lora-train")   // part 1's child process
    return LoraBench.Train(args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture));
if (args.Length > 0 && args[0] == "async")
{
    int AsyncArg(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
    return AsyncBench.Run(args.Length > 1 ? args[1] : Path.Combine("models", "small.json"), AsyncArg(2, 3), AsyncArg(3, 4), AsyncArg(4, 160), AsyncArg(5, 2), Console.Out);
}
if (args.Length > 0 && args[0] == "reasoning")
    return ReasoningBench.Run(args[1..], Console.Out);
if (args.Length > 0 && args[0] == "rollout")
{
    RolloutBench.RunAll(args.Length > 1 ? args[1] : "models", Console.Out, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5);
    return 0;
}
if (args.Length > 0 && args[0] == "score")
{
    ScoringBench.Run(args.Length > 1 ? args[1] : Path.Combine("models", "small.json"));
    return 0;
}
if (args.Length > 0 && args[0] == "export")
{
    string work = Directory.CreateTempSubdirectory("hybrid-export-bench-").FullName;
    try { ExportBench.Run(args.Length > 1 ? args[1] : Path.Combine("models", "small.json"), work, Console.Out); }
    finally { Directory.Delete(work, recursive: true); }
    return 0;
}
if (args.Length > 0 && args[0] == "int4")
    return Int4BenchRun.Run(args.Length > 1 ? args[1] : Path.Combine("models", "small.json"), args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300);
if (args.Length > 0 && args[0] == "sft")
{
    bool bf16 = args.Contains("--bf16");
    string[] rest = args.Where(a => a != "--bf16").ToArray();
    string recipe = rest.Length > 1 ? rest[1] : Path.Combine("models", "small.json");
    int Arg(int i, int fallback) => rest.Length > i ? int.Parse(rest[i], CultureInfo.InvariantCulture) : fallback;
    return SftBench.Run(recipe, Arg(2, 8), Arg(3, 256), Arg(4, 10), bf16);
}
if (args.Length > 0 && args[0] == "ops")
    return OpCostBench.Run();
if (args.Length > 0 && args[0] == "memory")
    return MemoryBench.Run(args.Length > 1 ? args[1] : Path.Combine("models", "tiny.json"), args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000);
if (args.Length > 0 && args[0] == "logprobs")
    return LogProbBench.Run(args.Length > 1 ? args[1] : Path.Combine("models", "small.json"), 64, 64, 64, 5);
Console.Error.WriteLine("usage: bench sft|rl|async|reasoning|rollout|score|export|int4|decode ... (see the comment at the top of tools/bench/Program.cs)");
return 2;
