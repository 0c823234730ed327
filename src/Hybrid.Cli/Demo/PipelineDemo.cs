// The main demo: Hybrid's loop in miniature — make a model, fine-tune it on libtorch, export it, generate with GenAI, then GRPO.
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using System.Diagnostics;
using System.Text.Json;
using Hybrid.Export.Decoder;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Creation;
using Hybrid.Models.Decoder;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Sft;
using Hybrid.Onnx;
using Hybrid.Rollout;
using Microsoft.ML.OnnxRuntimeGenAI;
using HfTokenizer = Hybrid.Models.Tokenizers.Tokenizer;

namespace Hybrid.Cli.Demo;

/// <summary>
/// 1. creates a random tiny Qwen2 checkpoint (the <c>tiny</c> recipe, tokenizer trained on the shipped corpus);
/// 2. fine-tunes it with SFT on libtorch to answer "a plus b is" with the sum (completion-only loss);
/// 3. exports the fine-tuned checkpoint to an ONNX Runtime GenAI folder (contrib-op kernel);
/// 4. answers held-out prompts with GenAI and checks every greedy token against the trainer's own KV-cache decoding;
/// 5. runs GRPO from the early SFT checkpoint (a quarter of the steps; GenAI rollouts, libtorch updates, an adapter
///    weight sync every iteration, accuracy reward) and checks that the rollout engine's logits equal the trainer's
///    after the last sync.
/// </summary>
public static class PipelineDemo
{
    public static int Run(string workDir, int steps, TextWriter log, int rlIterations = 20)
    {
        var clock = Stopwatch.StartNew();
        if (Directory.Exists(workDir)) Directory.Delete(workDir, recursive: true);
        Directory.CreateDirectory(workDir);
        string baseDir = Path.Combine(workDir, "base"), sftDir = Path.Combine(workDir, "sft"), onnxDir = Path.Combine(workDir, "onnx");

        // 1. model
        ModelRecipe recipe = ModelRecipe.Load(Path.Combine(AppContext.BaseDirectory, "models", "tiny.json"));
        CreatedModel created = ModelFactory.Create(recipe, baseDir, seed: 0);
        log.WriteLine($"[1/5 init] {recipe.Name}: {created.ParameterCount:N0} parameters, vocabulary {created.Config.VocabSize} → {baseDir}");

        // 2. SFT on libtorch
        var random = new Random(0);
        (string Prompt, string Answer) Row() { int a = random.Next(10), b = random.Next(10); return ($"{a} plus {b} is", $" {a + b}"); }
        string train = WriteRows(Path.Combine(workDir, "train.jsonl"), Enumerable.Range(0, 400).Select(_ => Row()));
        var heldOut = Enumerable.Range(0, 6).Select(_ => Row()).ToList();
        string eval = WriteRows(Path.Combine(workDir, "eval.jsonl"), heldOut);
        int early = Math.Max(1, steps / 4);  // an early checkpoint, still mostly wrong: the start of the GRPO phase
        SftResult sft = new SftTrainer(new SftConfig
        {
            ModelPath = baseDir, TrainData = train, EvalData = eval, OutputDir = sftDir,
            LearningRate = 3e-3, WarmupRatio = 0.1, MaxSteps = steps, BatchSize = 16, LoggingSteps = Math.Max(1, steps / 6),
            SaveSteps = early,
        }, log).Train();
        log.WriteLine($"[2/5 sft] {sft.Steps} steps at {sft.TokensPerSecond:F0} tokens/s, eval loss {sft.EvalLoss:F3}, " +
                      $"eval token accuracy {sft.EvalMeanTokenAccuracy:P0}");

        // 3. export
        DecoderExporter.ExportCheckpoint(sftDir, onnxDir, new DecoderExportOptions { Kernel = AttentionKernel.Optimized });
        log.WriteLine($"[3/5 export] GenAI folder → {onnxDir}");

        // 4. generate with GenAI and with the trainer
        using LoadedCheckpoint checkpoint = HfCheckpoint.Load(sftDir);
        using var trainer = new DecoderModel(checkpoint.Config);
        trainer.LoadStateDict(checkpoint.Tensors);
        using var tokenizer = HfTokenizer.Open(sftDir);
        var stop = new HashSet<int>(checkpoint.Config.EosTokenIds.Concat(checkpoint.Generation?.EosTokenIds ?? []));
        OnnxNative.EnsureLoaded();  // a missing native library is an error, not a segfault
        using var model = new Model(onnxDir);
        int agree = 0, correct = 0;
        foreach (var (prompt, answer) in heldOut)
        {
            int[] ids = tokenizer.Encode(prompt);
            int[] genai = GenAIGreedy(model, ids, maxNewTokens: 4).Where(t => !stop.Contains(t)).ToArray();
            int[] mine = DecoderGreedy.Run(trainer, ids, 4, stop).Tokens.Where(t => !stop.Contains(t)).ToArray();
            string text = tokenizer.Decode(genai);
            bool same = genai.SequenceEqual(mine);
            agree += same ? 1 : 0;
            correct += text == answer ? 1 : 0;
            log.WriteLine($"[4/5 generate] \"{prompt}\" → GenAI \"{text}\" (expected \"{answer}\"), trainer tokens " +
                          (same ? "identical" : $"DIFFER: [{string.Join(",", mine)}] vs [{string.Join(",", genai)}]"));
        }
        log.WriteLine($"[4/5 generate] {correct}/{heldOut.Count} held-out sums right after {steps} steps; GenAI and the trainer agree on {agree}/{heldOut.Count}");

        // 5. GRPO from GenAI rollouts with a weight sync every iteration
        double syncGap = Grpo(Path.Combine(sftDir, $"checkpoint-{early}"), Path.Combine(workDir, "grpo"), heldOut, rlIterations, log);
        bool synced = syncGap <= 1e-4;
        log.WriteLine($"[demo] {clock.Elapsed.TotalSeconds:F1} s in all; greedy agreement {agree}/{heldOut.Count}, " +
                      $"engine vs trainer logits after the last sync max |Δ| {syncGap:G3} ({(synced ? "equal" : "DIFFER")})");
        return agree == heldOut.Count && synced ? 0 : 1;
    }

    /// <summary>GRPO on the 100 "a plus b is" prompts; returns max |engine logits − trainer logits| on one prompt after the last sync.</summary>
    private static double Grpo(string checkpointDir, string workDir, IReadOnlyList<(string Prompt, string Answer)> heldOut, int iterations, TextWriter log)
    {
        var random = new Random(1);
        PromptRow Row(int a, int b) => new($"{a} plus {b} is", new Dictionary<string, string> { ["answer"] = (a + b).ToString() }, $"{a}+{b}");
        var train = (from a in Enumerable.Range(0, 10) from b in Enumerable.Range(0, 10) select Row(a, b)).ToList();
        // The GenAI backend on purpose: the demo shows the deployment runtime serving rollouts (the engine's default is Ort).
        using OnlinePolicy policy = OnlinePolicy.Open(checkpointDir, workDir,  // adapter sync (no reload) by default
            new OnlinePolicyOptions { Engine = new RolloutEngineOptions { Backend = RolloutBackend.GenAI } });
        RlAxes axes = RlAxes.FromPreset(RlAxes.FitToBudget(RlPresets.Create("grpo", groupSize: 8), 4) with { MiniBatches = 2 });
        using DecoderModel reference = policy.FrozenCopy();
        var config = new RlConfig { Iterations = iterations, PromptsPerIteration = 8, MaxNewTokens = 4, LearningRate = 5e-4, Seed = 1 };
        var trainer = new RlTrainer(policy, config, axes, train, new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0)), reference);
        double before = trainer.Evaluate(train, 8);
        RlResult result = trainer.Train();
        double after = trainer.Evaluate(train, 8);
        double Share(string phase) => result.Iterations.Sum(m => m.GetValueOrDefault("timing_s/" + phase)) / result.Iterations.Sum(m => m["timing_s/step"]);
        log.WriteLine($"[5/5 grpo] from {Path.GetFileName(checkpointDir)}: {iterations} iterations × {config.PromptsPerIteration} prompts × G {axes.GroupSize} in {result.Seconds:F1} s, policy version {policy.Version}; " +
                      $"sampled accuracy on all 100 sums {before:P1} → {after:P1}; time: rollout {Share("gen"):P0}, update {Share("update_actor"):P0}, sync {Share("sync"):P0}");

        int[] ids = policy.Tokenizer.Encode(heldOut[0].Prompt + heldOut[0].Answer);
        float[] engine = policy.Engine.Logits(ids);                                                   // [T, V]
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        float[] mine = policy.Model.Forward(torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length])).data<float>().ToArray();  // [1, T, V]
        return engine.Zip(mine, (x, y) => Math.Abs((double)x - y)).Max();
    }

    private static string WriteRows(string path, IEnumerable<(string Prompt, string Answer)> rows)
    {
        File.WriteAllLines(path, rows.Select(r => JsonSerializer.Serialize(new { prompt = r.Prompt, completion = r.Answer })));
        return path;
    }

    private static int[] GenAIGreedy(Model model, int[] prompt, int maxNewTokens)
    {
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + maxNewTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Microsoft.ML.OnnxRuntimeGenAI.Generator(model, parameters);
        generator.AppendTokens(prompt);
        var tokens = new List<int>();
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
            tokens.Add(generator.GetNextTokens()[0]);
        }
        return tokens.ToArray();
    }
}
