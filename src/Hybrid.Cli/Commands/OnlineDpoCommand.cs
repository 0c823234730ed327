// `hybrid online-dpo`: online / iterative DPO of a Hugging Face checkpoint on prompts, labelled by a rule or a reward model.
using Hybrid.Cli.Progress;
using Hybrid.Data;
using Hybrid.Models.Checkpoints;
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using Hybrid.Training.Output;
using Hybrid.Tensors;
using Hybrid.Rollout;
using Hybrid.Onnx;
using Hybrid.Algorithms.Rewards;
using Hybrid.Models.Generation;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout.Scoring;
using Hybrid.Training.Online;
using Hybrid.Training.OnlinePreference;
using Hybrid.Training.Rl;

namespace Hybrid.Cli.Commands;

internal static class OnlineDpoCommand
{
    public static Command Create()
    {
        var defaults = new OnlineDpoConfig();
        var shared = new OnlineOptions((defaults.Iterations, defaults.PromptsPerIteration, defaults.Sampling.MaxNewTokens, defaults.Update.LearningRate, defaults.Seed),
            model: "Hugging Face causal-LM checkpoint folder (the initial policy and reference)",
            data: "Prompts: .jsonl or .csv with a 'prompt' column; other columns are read by rule rewards (e.g. 'answer')",
            evalData: "Held-out prompts (same format) for eval/reward and eval/win_rate vs the initial policy",
            output: "Output folder: final model, metrics.jsonl, work/ (rollout export)",
            iterations: "Sample → label → update → sync rounds",
            seed: "Seed of prompt order, shuffling and sampling", resumeSame: "--model, --data, --eval-data, --loss, --reference, --iterations, --seed");
        var reward = new Option<string>("--reward") { Description = $"Rule reward by name ({string.Join(", ", RuleRewards.Registry.Names)})", DefaultValueFactory = _ => "accuracy" };
        var rewardModel = new Option<string?>("--reward-model") { Description = "Exported reward-model folder (hybrid export --score); replaces --reward" };
        var chat = new Option<bool>("--chat") { Description = "Wrap each prompt as a user turn with the tokenizer's chat template" };
        var samples = new Option<int>("--samples-per-prompt") { Description = "Answers per prompt (best vs worst become the pair)", DefaultValueFactory = _ => defaults.SamplesPerPrompt };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature", DefaultValueFactory = _ => defaults.Sampling.Temperature };
        var loss = new Option<string>("--loss") { Description = "Preference loss (sigmoid, ipo, hinge, simpo, …, or e.g. sigmoid:1,nll:0.2)", DefaultValueFactory = _ => defaults.Update.Loss };
        var lossOptions = new PreferenceLossFlags();   // the same β, ε, γ, α options as `hybrid dpo`
        var batch = new Option<int>("--batch-size") { Description = "Pairs per optimizer step", DefaultValueFactory = _ => defaults.Update.BatchSize };
        var epochs = new Option<int>("--epochs") { Description = "Passes over each iteration's pairs", DefaultValueFactory = _ => defaults.Update.Epochs };
        var clip = new Option<double>("--max-grad-norm") { Description = "Global gradient-norm clipping", DefaultValueFactory = _ => defaults.Update.MaxGradNorm };
        var reference = new Option<ReferenceChoice>("--reference") { Description = "π_ref: Initial (online DPO) or PreviousIterate (iterative DPO)", DefaultValueFactory = _ => defaults.Reference };
        var eosPenalty = new Option<double>("--missing-eos-penalty") { Description = "Subtracted from the score of answers cut off without a stop token", DefaultValueFactory = _ => defaults.MissingEosPenalty };
        var loraFlags = new LoraFlags();
        var loadBest = new Option<bool>("--load-best-model-at-end")
        {
            Description = "Save the model of the best eval/reward of the evaluations after each iteration, not the last weights; needs --eval-data",
        };
        var command = new Command("online-dpo", "Online / iterative DPO: sample with ONNX Runtime GenAI, label best vs worst, DPO steps, sync weights, repeat");
        shared.AddTo(command, new Option[] { reward, rewardModel, chat, samples, temperature, loss, batch, epochs, clip, reference, eosPenalty, loadBest }.Concat(lossOptions.All).Concat(loraFlags.All));
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            if (parse.GetValue(loadBest) && parse.GetValue(shared.EvalData) is null)
                throw new ArgumentException("--load-best-model-at-end: needs --eval-data, the held-out prompts whose best evaluation is kept");
            var config = new OnlineDpoConfig
            {
                Iterations = parse.GetValue(shared.Iterations),
                PromptsPerIteration = parse.GetValue(shared.PromptsPerIteration),
                SamplesPerPrompt = parse.GetValue(samples),
                Sampling = new SamplingParams { Temperature = parse.GetValue(temperature), MaxNewTokens = parse.GetValue(shared.MaxNewTokens) },
                Update = new PairUpdateConfig
                {
                    Loss = parse.GetValue(loss)!, LossOptions = lossOptions.Read(parse), LearningRate = parse.GetValue(shared.LearningRate), BatchSize = parse.GetValue(batch),
                    Epochs = parse.GetValue(epochs), MaxGradNorm = parse.GetValue(clip), Bf16 = parse.GetValue(shared.Bf16),
                },
                Reference = parse.GetValue(reference),
                MissingEosPenalty = parse.GetValue(eosPenalty),
                Seed = parse.GetValue(shared.Seed),
                OutputDir = parse.GetValue(shared.Output)!,
                LoadBestModelAtEnd = parse.GetValue(loadBest),
            }.Validate();

            // Everything the user gave is checked before the output folder is claimed and the rollout model exported.
            var (trainRows, evalRows) = shared.ReadPrompts(parse);
            using IRewardScorer? scorer = parse.GetValue(rewardModel) is string rmDir ? OnnxRewardScorer.Open(rmDir, new RewardScorerOptions { Device = shared.OnnxDevice(parse) }) : null;
            IRewardFunction labeller = scorer is not null ? new RewardModelReward(scorer) : RuleRewards.Registry.Create(parse.GetValue(reward)!);
            RewardColumns.Check(labeller, trainRows.Concat(evalRows ?? []));
            var lora = loraFlags.Read(parse);
            var (saveSteps, saveTotalLimit, resumeDir) = shared.ReadCheckpointing(parse);
            string dataSha256 = DatasetFile.Sha256(parse.GetValue(shared.Data)!);
            string? evalSha256 = parse.GetValue(shared.EvalData) is string evalPath ? DatasetFile.Sha256(evalPath) : null;
            OnlineDpoState? resumed = resumeDir is null ? null : ResumeState(resumeDir, config, trainRows.Count, dataSha256, evalSha256, lora is not null);

            using OnlineRun run = shared.Start(parse, "online-dpo", workDir: "work", lora: lora,
                resume: resumed is null ? null : new OnlineResume(resumeDir!, resumed.Iteration, resumed.PolicyVersion));
            OnlinePolicy policy = run.Policy;
            config = config with { Sampling = config.Sampling with { StopTokenIds = [policy.EosTokenId] } };
            var trainer = new OnlineDpoTrainer(config, LiveProgress.Log,
                new OnlineDpoCheckpointing(run.OutDir, saveSteps, trainRows.Count, dataSha256, evalSha256, resumeDir, resumed, saveTotalLimit));

            bool useChat = parse.GetValue(chat);
            int[] Encode(string prompt) => policy.Tokenizer.Encode(useChat
                ? policy.Tokenizer.ApplyChatTemplate([new ChatMessage(ChatMessage.UserRole, prompt)], addGenerationPrompt: true)
                : prompt);
            List<OnlinePrompt> train = OnlinePromptReader.Encode(trainRows, Encode);
            List<OnlinePrompt>? eval = evalRows is null ? null : OnlinePromptReader.Encode(evalRows, Encode);

            OnlinePreferenceResult result = trainer.Train(policy, train, labeller, eval, finalModelDir: run.OutDir);
            IterationLog last = result.Iterations[^1];
            if (result.Iterations.All(i => i.Metrics.GetValueOrDefault("pairs/count") == 0))
                Console.Error.WriteLine($"warning: no preference pair formed in {result.Iterations.Count} iterations (every prompt's answers scored the same), " +
                                        "so the policy was not updated; check that --reward fits the prompts, or sample more (--samples-per-prompt, --temperature)");
            Console.WriteLine($"done: {config.Iterations} iterations" + (resumed is null ? "" : $" (resumed after {resumed.Iteration})") +
                              $" in {result.Seconds:F1} s, policy version {last.PolicyVersion}, " +
                              $"last reward {last.Metrics["reward"]:F4}" +
                              (last.Metrics.TryGetValue("eval/reward", out double e) ? $", eval reward {result.InitialEvalReward:F4} → {e:F4}" : "") +
                              (result.Best is { } best ? $"; kept the best {best.Metric} {best.Value:F4} (iteration {best.Step})" : "") +
                              $"; model saved to {run.OutDir}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// The state of the checkpoint <paramref name="dir"/>, checked against this run: same prompts, held-out prompts, loss,
    /// reference, iterations and seed, and full weights for a full run, a LoRA adapter for a LoRA run. Errors name --resume-from.
    /// </summary>
    private static OnlineDpoState ResumeState(string dir, OnlineDpoConfig config, int rows, string dataSha256, string? evalSha256, bool lora)
    {
        OnlineDpoState state;
        try { state = OnlineDpoState.Load(dir); }
        catch (CheckpointException ex) { throw new ArgumentException($"--resume-from {dir}: {ex.Message}"); }
        state.CheckResumable(dir, config, rows, dataSha256, evalSha256);
        OnlineOptions.CheckWeightsFit(dir, lora);
        return state;
    }
}
