// `hybrid online-dpo`: online / iterative DPO of a Hugging Face checkpoint on prompts, labelled by a rule or a reward model.
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using Hybrid.Training.Output;
using Hybrid.Tensors;
using Hybrid.Rollout;
using Hybrid.Onnx;
using System.CommandLine;
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
        var model = new Option<string>("--model") { Description = "Hugging Face causal-LM checkpoint folder (the initial policy and reference)", Required = true };
        var prompts = new Option<string>("--prompts") { Description = "Prompts: .jsonl with a \"prompt\" string per line; other fields are columns for rule rewards (e.g. \"answer\")", Required = true };
        prompts.Aliases.Add("--data");           // rl's names, so a command line carries over
        var evalPrompts = new Option<string?>("--eval-prompts") { Description = "Held-out prompts (same format) for eval/reward and eval/win_rate vs the initial policy" };
        var output = new Option<string>("--out") { Description = "Output folder: final model, metrics.jsonl, work/ (rollout export)", Required = true };
        evalPrompts.Aliases.Add("--eval-data");
        var reward = new Option<string>("--reward") { Description = $"Rule reward by name ({string.Join(", ", RuleRewards.Registry.Names)})", DefaultValueFactory = _ => "accuracy" };
        var rewardModel = new Option<string?>("--reward-model") { Description = "Exported reward-model folder (hybrid export --score); replaces --reward" };
        var chat = new Option<bool>("--chat") { Description = "Wrap each prompt as a user turn with the tokenizer's chat template" };
        var iterations = new Option<int>("--iterations") { Description = "Sample → label → update → sync rounds", DefaultValueFactory = _ => defaults.Iterations };
        var perIteration = new Option<int>("--prompts-per-iteration") { Description = "Prompts sampled per iteration", DefaultValueFactory = _ => defaults.PromptsPerIteration };
        var samples = new Option<int>("--samples-per-prompt") { Description = "Answers per prompt (best vs worst become the pair)", DefaultValueFactory = _ => defaults.SamplesPerPrompt };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature", DefaultValueFactory = _ => defaults.Sampling.Temperature };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens per answer", DefaultValueFactory = _ => defaults.Sampling.MaxNewTokens };
        var loss = new Option<string>("--loss") { Description = "Preference loss (sigmoid, ipo, hinge, simpo, …, or e.g. sigmoid:1,nll:0.2)", DefaultValueFactory = _ => defaults.Update.Loss };
        var lossOptions = new PreferenceLossFlags();   // the same β, ε, γ, α options as `hybrid dpo`
        var lr = new Option<double>("--lr") { Description = "AdamW learning rate", DefaultValueFactory = _ => defaults.Update.LearningRate };
        var batch = new Option<int>("--batch-size") { Description = "Pairs per optimizer step", DefaultValueFactory = _ => defaults.Update.BatchSize };
        var epochs = new Option<int>("--epochs") { Description = "Passes over each iteration's pairs", DefaultValueFactory = _ => defaults.Update.Epochs };
        var clip = new Option<double>("--max-grad-norm") { Description = "Global gradient-norm clipping", DefaultValueFactory = _ => defaults.Update.MaxGradNorm };
        var reference = new Option<ReferenceChoice>("--reference") { Description = "π_ref: Initial (online DPO) or PreviousIterate (iterative DPO)", DefaultValueFactory = _ => defaults.Reference };
        var eosPenalty = new Option<double>("--missing-eos-penalty") { Description = "Subtracted from the score of answers cut off without a stop token", DefaultValueFactory = _ => defaults.MissingEosPenalty };
        var seed = new Option<ulong>("--seed") { Description = "Seed of prompt order, shuffling and sampling", DefaultValueFactory = _ => defaults.Seed };

        var backend = RolloutBackendOption.Create();
        var device = DeviceOption.Create("Where the trainer (libtorch), rollouts and the reward model (ONNX Runtime / GenAI) run");
        var bf16 = Bf16Option.Create();
        var overwrite = OverwriteOption.Create(canResume: false);
        var command = new Command("online-dpo", "Online / iterative DPO: sample with ONNX Runtime GenAI, label best vs worst, DPO steps, sync weights, repeat");
        foreach (Option o in new Option[] { model, prompts, evalPrompts, output, reward, rewardModel, chat, iterations, perIteration, samples,
                                            temperature, maxNew, loss, lr, batch, epochs, clip, reference, eosPenalty, seed, device, backend, bf16, overwrite }.Concat(lossOptions.All))
            command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            string outDir = parse.GetValue(output)!;
            OnnxDevice onnxDevice = DeviceOption.Parse(parse.GetValue(device)!);
            // The trainer's model (created by OnlinePolicy.Open below) and its batches go to the same device.
            using var onDevice = TorchDevice.Use(TorchDevice.Parse(parse.GetValue(device)!));
            var config = new OnlineDpoConfig
            {
                Iterations = parse.GetValue(iterations),
                PromptsPerIteration = parse.GetValue(perIteration),
                SamplesPerPrompt = parse.GetValue(samples),
                Sampling = new SamplingParams { Temperature = parse.GetValue(temperature), MaxNewTokens = parse.GetValue(maxNew) },
                Update = new PairUpdateConfig
                {
                    Loss = parse.GetValue(loss)!, LossOptions = lossOptions.Read(parse), LearningRate = parse.GetValue(lr), BatchSize = parse.GetValue(batch),
                    Epochs = parse.GetValue(epochs), MaxGradNorm = parse.GetValue(clip), Bf16 = parse.GetValue(bf16),
                },
                Reference = parse.GetValue(reference),
                MissingEosPenalty = parse.GetValue(eosPenalty),
                Seed = parse.GetValue(seed),
                OutputDir = outDir,
            }.Validate();

            // Everything the user gave is checked before the output folder is claimed and the rollout model exported.
            IReadOnlyList<PromptRow> trainRows = PromptDatasetReader.Read(parse.GetValue(prompts)!);
            IReadOnlyList<PromptRow>? evalRows = parse.GetValue(evalPrompts) is string evalPath ? PromptDatasetReader.Read(evalPath) : null;
            using IRewardScorer? scorer = parse.GetValue(rewardModel) is string rmDir ? OnnxRewardScorer.Open(rmDir, new RewardScorerOptions { Device = onnxDevice }) : null;
            IRewardFunction labeller = scorer is not null ? new RewardModelReward(scorer) : RuleRewards.Registry.Create(parse.GetValue(reward)!);
            RewardColumns.Check(labeller, trainRows.Concat(evalRows ?? []));

            using var folder = RunFolder.Claim(outDir, "online-dpo", parse.GetValue(overwrite), resumeStep: null, canResume: false);
            using OnlinePolicy policy = OnlinePolicy.Open(parse.GetValue(model)!, Path.Combine(outDir, "work"),
                new OnlinePolicyOptions { Engine = new RolloutEngineOptions { Device = onnxDevice, Backend = parse.GetValue(backend) } });
            config = config with { Sampling = config.Sampling with { StopTokenIds = [policy.EosTokenId] } };
            var trainer = new OnlineDpoTrainer(config, Console.Out);

            bool useChat = parse.GetValue(chat);
            int[] Encode(string prompt) => policy.Tokenizer.Encode(useChat
                ? policy.Tokenizer.ApplyChatTemplate([new ChatMessage(ChatMessage.UserRole, prompt)], addGenerationPrompt: true)
                : prompt);
            List<OnlinePrompt> train = OnlinePromptReader.Encode(trainRows, Encode);
            List<OnlinePrompt>? eval = evalRows is null ? null : OnlinePromptReader.Encode(evalRows, Encode);

            OnlinePreferenceResult result = trainer.Train(policy, train, labeller, eval);
            policy.Save(outDir);
            IterationLog last = result.Iterations[^1];
            if (result.Iterations.All(i => i.Metrics.GetValueOrDefault("pairs/count") == 0))
                Console.Error.WriteLine($"warning: no preference pair formed in {result.Iterations.Count} iterations (every prompt's answers scored the same), " +
                                        "so the policy was not updated; check that --reward fits the prompts, or sample more (--samples-per-prompt, --temperature)");
            Console.WriteLine($"done: {result.Iterations.Count} iterations in {result.Seconds:F1} s, policy version {last.PolicyVersion}, " +
                              $"last reward {last.Metrics["reward"]:F4}" +
                              (last.Metrics.TryGetValue("eval/reward", out double e) ? $", eval reward {result.InitialEvalReward:F4} → {e:F4}" : "") +
                              $"; model saved to {outDir}");
            return 0;
        }));
        return command;
    }
}
