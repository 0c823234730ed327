// `hybrid rl`: online RL (GRPO family, PPO) of a Hugging Face checkpoint on prompts, with ONNX Runtime rollouts (Ort or GenAI backend) and a weight sync every iteration.
using Hybrid.Cli.Progress;
using Hybrid.Data;
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Training.Output;
using Hybrid.Tensors;
using Hybrid.Rollout;
using Hybrid.Onnx;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rewards.Process;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Rollout.Scoring;
using Hybrid.Training.Metrics;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;

namespace Hybrid.Cli.Commands;

internal static class RlCommand
{
    public static Command Create()
    {
        var defaults = new RlConfig();
        var shared = new OnlineOptions((defaults.Iterations, defaults.PromptsPerIteration, defaults.MaxNewTokens, defaults.LearningRate, defaults.Seed),
            model: "Hugging Face causal-LM checkpoint folder (the policy and the reference)",
            data: "Prompts: .jsonl or .csv with a 'prompt' column (+ columns such as 'answer' for rule rewards)",
            evalData: "Held-out prompts, answered greedily before and after training (and every --eval-steps)",
            output: "Output folder: the trained model, metrics.jsonl, the rollout export",
            iterations: "Iterations (generate → score → update → sync)",
            seed: "Seed of data order, rollouts and libtorch", resumeSame: "--model, --data, --preset, --iterations, --seed");
        var preset = new Option<string>("--preset") { Description = "Algorithm preset: " + string.Join(", ", RlAxes.PresetNames), DefaultValueFactory = _ => "grpo" };
        var reward = new Option<string>("--reward") { Description = "Rule rewards with weights, e.g. accuracy:1,format:0.5 (" + string.Join(", ", RuleRewards.Registry.Names) + ")", DefaultValueFactory = _ => "accuracy" };
        var rewardModels = new Option<string[]>("--reward-model") { Description = "Exported reward-model folder(s) scored on ONNX Runtime (several = an averaged ensemble), added with weight 1", AllowMultipleArgumentsPerToken = true };
        var criticFrom = new Option<string?>("--critic-from") { Description = "PPO: initialise the critic from this checkpoint (a reward model, or a causal LM); default: the policy checkpoint" };
        var group = new Option<int?>("--group-size") { Description = "G: samples per prompt (default: the preset's)" };
        var temperature = new Option<double?>("--temperature") { Description = "Sampling temperature (default: the preset's)" };
        var miniBatches = new Option<int?>("--mini-batches") { Description = "Optimizer steps per epoch over an iteration's samples (default: the preset's)" };
        var microBatch = new Option<int?>("--micro-batch-size") { Description = "Sequences per forward/backward pass, gradients accumulated over each mini-batch (default: the whole mini-batch); bounds the trainer's memory" };
        var epochs = new Option<int?>("--epochs") { Description = "μ: passes over each iteration's samples (default: the preset's)" };
        var sync = new Option<SyncMechanism>("--sync") { Description = "Weight sync: Adapter (no reload) or ReExport", DefaultValueFactory = _ => SyncMechanism.Adapter };
        var processReward = new Option<string?>("--process-reward") { Description = "Step-level reward for step-marked outputs: arithmetic_steps (checks every \"a op b = c\" of each step)" };
        var processUse = new Option<ProcessRewardUse>("--process-use") { Description = "Where step rewards enter: Advantages (DeepSeekMath process advantages, any preset) or TokenRewards (at step ends; reinforce_pp, rloo, remax, gae)", DefaultValueFactory = _ => ProcessRewardUse.Advantages };
        var processWeight = new Option<double>("--process-weight") { Description = "Weight of the process reward", DefaultValueFactory = _ => 1.0 };
        var stepMarker = new Option<string>("--step-marker") { Description = "Step separator of the outputs (default: a newline)", DefaultValueFactory = _ => "\n" };
        var asyncRollout = new Option<bool>("--async-rollout") { Description = "Generate the next iteration's rollouts while this one updates (one-step off-policy; logs async/staleness)" };
        var maxStaleness = new Option<int?>("--max-staleness") { Description = "With --async-rollout: most policy versions a batch may lag the weights it updates (default 1; 0 = the synchronous loop)" };
        var evalSteps = new Option<int>("--eval-steps") { Description = "Greedy held-out evaluation every N iterations, logged as eval/reward (0: before and after only); needs --eval-data" };
        var loadBest = new Option<bool>("--load-best-model-at-end")
        {
            Description = "Save the model of the best eval/reward of the evaluations every --eval-steps (and after the last iteration), not the last weights",
        };
        var command = new Command("rl", "Online RL from ONNX Runtime rollouts: GRPO, Dr. GRPO, DAPO, GSPO, GMPO, RLOO, REINFORCE++, ReMax, RAFT(++), PPO");
        var optimizer = new OptimizerFlags(new RlConfig().Optimizer);
        var loraFlags = new LoraFlags();
        var presetFlags = new RlPresetFlags();
        shared.AddTo(command, new Option[] { preset, reward, rewardModels, criticFrom, group, temperature, miniBatches, microBatch, epochs, sync,
                                             processReward, processUse, processWeight, stepMarker, asyncRollout, maxStaleness, evalSteps, loadBest }
                                  .Concat(presetFlags.All).Concat(optimizer.All).Concat(loraFlags.All));
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            int everyEval = parse.GetValue(evalSteps);
            if (everyEval < 0) throw new ArgumentException($"--eval-steps {everyEval}: must be >= 0 (0: evaluate before and after only)");
            if (everyEval > 0 && parse.GetValue(shared.EvalData) is null)
                throw new ArgumentException($"--eval-steps {everyEval}: needs --eval-data, the held-out prompts to evaluate");
            if (parse.GetValue(loadBest) && (everyEval == 0 || parse.GetValue(shared.EvalData) is null))
                throw new ArgumentException("--load-best-model-at-end: needs --eval-data and --eval-steps N, the evaluations whose best model is kept");
            var config = new RlConfig
            {
                Iterations = parse.GetValue(shared.Iterations), PromptsPerIteration = parse.GetValue(shared.PromptsPerIteration),
                MaxNewTokens = parse.GetValue(shared.MaxNewTokens), Temperature = parse.GetValue(temperature), LearningRate = parse.GetValue(shared.LearningRate),
                Optimizer = optimizer.Read(parse), Seed = parse.GetValue(shared.Seed), Bf16 = parse.GetValue(shared.Bf16),
                AsyncRollout = parse.GetValue(asyncRollout), MaxStaleness = parse.GetValue(maxStaleness), MicroBatchSize = parse.GetValue(microBatch),
                EvalEvery = everyEval, LoadBestModelAtEnd = parse.GetValue(loadBest),
            }.Validate();
            string presetName = parse.GetValue(preset)!;
            if (!RlPresets.Registry.Contains(presetName))
                throw new ArgumentException($"--preset {presetName}: unknown RL preset; known: {string.Join(", ", RlAxes.PresetNames)}");
            RlPreset named = RlPresets.Registry.Create(presetName);
            if (parse.GetValue(group) is int g) named = named with { GroupSize = g };
            else if (named.GroupSize < 1)
                throw new ArgumentException($"--group-size: preset '{presetName}' has no default number of samples per prompt; give --group-size (e.g. 8)");
            if (parse.GetValue(miniBatches) is int mb) named = named with { MiniBatches = mb };
            if (parse.GetValue(epochs) is int ep) named = named with { UpdateEpochs = ep };
            RlPreset recipe = presetFlags.Read(parse).Apply(RlAxes.FitToBudget(named, config.MaxNewTokens), config.MaxNewTokens);   // validated there
            RlAxes axes = RlAxes.FromPreset(recipe);
            RlTrainer.CheckMicroBatch(config, axes);
            ProcessReward? process = parse.GetValue(processReward) switch
            {
                null => null,
                "arithmetic_steps" => new ProcessReward(new ArithmeticStepVerifier(new ArithmeticStepOptions { Marker = parse.GetValue(stepMarker)! }),
                                                        parse.GetValue(processUse), parse.GetValue(processWeight)),
                string other => throw new ArgumentException($"--process-reward {other}: unknown step reward; valid: arithmetic_steps"),
            };
            process?.CheckFits(axes);
            // Everything the user gave is checked before the output folder is claimed and the rollout model exported.
            var (train, eval) = shared.ReadPrompts(parse);
            DecoderConfig modelConfig = HfCheckpoint.LoadConfig(parse.GetValue(shared.Model)!);
            var lora = loraFlags.Read(parse);
            RolloutBudget.Check(modelConfig, config.PromptsPerIteration, recipe.GroupSize, config.MaxNewTokens, train.Concat(eval ?? []));
            string[] rmDirs = parse.GetValue(rewardModels) ?? [];
            using IRewardScorer? scorer = rmDirs.Length == 0 ? null : RewardEnsemble.Open(rmDirs, new RewardScorerOptions { Device = shared.OnnxDevice(parse) });
            IRewardFunction rewardFunction = WeightedReward.Parse(parse.GetValue(reward)!, scorer is null ? null : [new RewardModelReward(scorer)]);
            RewardColumns.Check(rewardFunction, train.Concat(eval ?? []));
            var (saveSteps, saveTotalLimit, resumeDir) = shared.ReadCheckpointing(parse);
            string dataSha256 = DatasetFile.Sha256(parse.GetValue(shared.Data)!);
            RlState? resumed = resumeDir is null ? null : ResumeState(resumeDir, axes.PresetName, config, train.Count, dataSha256, lora is not null);
            if (resumed is not null) RlTrainer.CheckAheadBatches(resumeDir!, resumed, config, axes, modelConfig.VocabSize, train.Count);

            // Async: the engine's session gets half the cores, libtorch the rest (AsyncRolloutThreads explains the split).
            using OnlineRun run = shared.Start(parse, "rl", workDir: "", parse.GetValue(sync),
                engineThreads: config.StalenessBound > 0 ? AsyncRolloutThreads.EngineThreads(Environment.ProcessorCount) : null, lora: lora,
                resume: resumed is null ? null : new OnlineResume(resumeDir!, resumed.Iteration, resumed.PolicyVersion));
            OnlinePolicy policy = run.Policy;
            string outDir = run.OutDir;
            // π_ref is the starting --model, also for a resumed run (whose policy has moved on from it).
            using DecoderModel? reference = !axes.NeedsReference ? null : resumed is null ? policy.FrozenCopy() : policy.FrozenStart();
            using Critic? critic = axes.NeedsCritic ? Critic.FromCheckpoint(parse.GetValue(criticFrom) ?? parse.GetValue(shared.Model)!, policy.Config, parse.GetValue(shared.Seed)) : null;
            using var metrics = new MetricsLog(Path.Combine(outDir, "metrics.jsonl"), LiveProgress.Log);
            var checkpointing = new RlCheckpointing(outDir, saveSteps, train.Count, dataSha256, resumeDir, resumed, saveTotalLimit);
            RlResult result = new RlTrainer(policy, config, axes, train, rewardFunction, reference, critic, process: process, metrics: metrics,
                                            log: LiveProgress.Log, checkpointing: checkpointing).Train(eval, finalModelDir: Path.Combine(outDir, "model"));
            Console.WriteLine($"done: {config.Iterations} iterations of {axes.PresetName}" + (resumed is null ? "" : $" (resumed after {resumed.Iteration})") +
                              $" in {result.Seconds:F1} s; final reward {result.Iterations[^1].GetValueOrDefault("reward"):F3}" +
                              (result.EvalAfter is double after ? $"; held-out greedy reward {result.EvalBefore:F3} → {after:F3}" : "") +
                              (result.Best is { } best ? $"; kept the best {best.Metric} {best.Value:F3} (iteration {best.Step})" : "") +
                              $"; model saved to {Path.Combine(outDir, "model")}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The state of the checkpoint <paramref name="dir"/>, checked against this run: same preset, iterations, seed and
    /// prompts, and full weights for a full run, a LoRA adapter for a LoRA run. Errors name --resume-from.
    /// </summary>
    private static RlState ResumeState(string dir, string preset, RlConfig config, int rows, string dataSha256, bool lora)
    {
        RlState state;
        try { state = RlState.Load(dir); }
        catch (CheckpointException ex) { throw new ArgumentException($"--resume-from {dir}: {ex.Message}"); }
        state.CheckResumable(dir, preset, config.Iterations, config.Seed, rows, dataSha256);
        OnlineOptions.CheckWeightsFit(dir, lora);
        return state;
    }
}
