// `hybrid dpo`: offline preference optimisation (DPO and its family: cdpo, robust, ipo, hinge, kto, orpo, simpo, rdpo, odpo, rrhf, +nll).
using System.CommandLine;
using Hybrid.Algorithms.Preference;
using Hybrid.Training.Preference;

namespace Hybrid.Cli.Commands;

internal static class DpoCommand
{
    public static Command Create()
    {
        var defaults = new PreferenceConfig { ModelPath = "", TrainData = "", OutputDir = "" };
        var model = new Option<string>("--model") { Description = "Hugging Face checkpoint to optimise (usually the SFT model; also the reference unless --ref-model)", Required = true };
        var data = new Option<string>("--data") { Description = "Preference rows: .jsonl or .csv (pairs, prompt/completion/label for kto, prompt/responses/rewards for rrhf)", Required = true };
        var loss = new Option<string>("--loss")
        {
            Description = $"Loss name or weighted list, e.g. sigmoid or sigmoid,nll:0.2 (known: {string.Join(", ", PreferenceLosses.Registry.Names)})",
            DefaultValueFactory = _ => defaults.Loss,
        };
        var evalData = new Option<string?>("--eval-data") { Description = "Held-out pairs or rankings for eval_preference_accuracy" };
        var output = new Option<string>("--out") { Description = "Output folder: final model, checkpoint-*/, metrics.jsonl", Required = true };
        var refModel = new Option<string?>("--ref-model") { Description = "Reference checkpoint when it is not --model" };
        var precompute = new Option<bool>("--precompute-ref-log-probs") { Description = "Compute reference log-probs once before training (false: a live reference model per batch)", DefaultValueFactory = _ => defaults.PrecomputeRefLogProbs };
        var beta = new Option<double?>("--beta") { Description = "β (DPO family, KTO: 0.1; IPO τ; ORPO λ; SimPO 2.0)" };
        var labelSmoothing = new Option<double?>("--label-smoothing") { Description = "ε, assumed label-flip rate (cdpo, robust: 0.1)" };
        var gamma = new Option<double?>("--gamma") { Description = "γ, SimPO's target reward margin (0.5)" };
        var alpha = new Option<double?>("--alpha") { Description = "α, R-DPO's length weight (0.2) or ODPO's offset scale (1.0)" };
        var desirable = new Option<double?>("--desirable-weight") { Description = "λ_D, KTO's weight of desirable rows (1.0)" };
        var undesirable = new Option<double?>("--undesirable-weight") { Description = "λ_U, KTO's weight of undesirable rows (1.0)" };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data", DefaultValueFactory = _ => defaults.Epochs };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps (overrides --epochs when > 0)", DefaultValueFactory = _ => defaults.MaxSteps };
        var batch = new Option<int>("--batch-size") { Description = "Rows per micro-batch", DefaultValueFactory = _ => defaults.BatchSize };
        var accumulation = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => defaults.GradientAccumulationSteps };
        var maxLength = new Option<int>("--max-length") { Description = "Longest prompt + response in tokens", DefaultValueFactory = _ => defaults.MaxLength };
        var maxPromptLength = new Option<int>("--max-prompt-length") { Description = "Longest prompt in tokens (longer ones keep their end)", DefaultValueFactory = _ => defaults.MaxPromptLength };
        var warmup = new Option<double>("--warmup-ratio") { Description = "Fraction of steps of linear warm-up", DefaultValueFactory = _ => defaults.WarmupRatio };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW decoupled weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
        var clip = new Option<double>("--max-grad-norm") { Description = "Global gradient-norm clipping", DefaultValueFactory = _ => defaults.MaxGradNorm };
        var logging = new Option<int>("--logging-steps") { Description = "Log metrics every N steps", DefaultValueFactory = _ => defaults.LoggingSteps };
        var evalSteps = new Option<int>("--eval-steps") { Description = "Evaluate every N steps (0: at the end only)", DefaultValueFactory = _ => defaults.EvalSteps };
        var saveSteps = new Option<int>("--save-steps") { Description = "Save a resumable checkpoint every N steps (0: final model only)", DefaultValueFactory = _ => defaults.SaveSteps };
        var seed = new Option<ulong>("--seed") { Description = "Seed of data order and libtorch's generator", DefaultValueFactory = _ => defaults.Seed };
        var resume = new Option<string?>("--resume-from") { Description = "A checkpoint-N folder of an earlier run to continue" };

        var bf16 = Bf16Option.Create();
        var overwrite = OverwriteOption.Create(canResume: true);
        var device = DeviceOption.Create("Where training runs (libtorch)");
        var command = new Command("dpo", "Offline preference optimisation (TRL DPOTrainer semantics; any registered preference loss)");
        foreach (Option o in new Option[] { model, data, loss, evalData, output, refModel, precompute, beta, labelSmoothing, gamma, alpha, desirable, undesirable,
                                            lr, epochs, maxSteps, batch, accumulation, maxLength, maxPromptLength, warmup, weightDecay, clip, logging, evalSteps,
                                            saveSteps, seed, resume, bf16, device, overwrite })
            command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var config = new PreferenceConfig
            {
                ModelPath = parse.GetValue(model)!, TrainData = parse.GetValue(data)!, Loss = parse.GetValue(loss)!, EvalData = parse.GetValue(evalData),
                OutputDir = parse.GetValue(output)!, RefModelPath = parse.GetValue(refModel), PrecomputeRefLogProbs = parse.GetValue(precompute),
                LossOptions = new PreferenceLossOptions
                {
                    Beta = parse.GetValue(beta), LabelSmoothing = parse.GetValue(labelSmoothing), Gamma = parse.GetValue(gamma), Alpha = parse.GetValue(alpha),
                    DesirableWeight = parse.GetValue(desirable), UndesirableWeight = parse.GetValue(undesirable),
                },
                LearningRate = parse.GetValue(lr), Epochs = parse.GetValue(epochs), MaxSteps = parse.GetValue(maxSteps), BatchSize = parse.GetValue(batch),
                GradientAccumulationSteps = parse.GetValue(accumulation), MaxLength = parse.GetValue(maxLength), MaxPromptLength = parse.GetValue(maxPromptLength),
                WarmupRatio = parse.GetValue(warmup), WeightDecay = parse.GetValue(weightDecay), MaxGradNorm = parse.GetValue(clip), Bf16 = parse.GetValue(bf16), Device = parse.GetValue(device)!, Overwrite = parse.GetValue(overwrite),
                LoggingSteps = parse.GetValue(logging), EvalSteps = parse.GetValue(evalSteps), SaveSteps = parse.GetValue(saveSteps),
                Seed = parse.GetValue(seed), ResumeFrom = parse.GetValue(resume),
            };
            PreferenceResult result = new PreferenceTrainer(config, Console.Out).Train();
            Console.WriteLine($"done: {result.Steps} steps, train loss {result.TrainLoss:F4}" +
                              (result.FinalEval is { Comparisons: > 0 } e ? $", eval preference accuracy {e.Accuracy:P1} (margin {e.Margin:F4})" : "") +
                              $"; model in {result.OutputDir}");
            return 0;
        }));
        return command;
    }
}
