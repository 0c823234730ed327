// `hybrid reward`: trains a reward model (Bradley–Terry pairs or K-wise rankings) from a Hugging Face checkpoint.
using System.CommandLine;
using Hybrid.Training.RewardModel;

namespace Hybrid.Cli.Commands;

internal static class RewardCommand
{
    public static Command Create()
    {
        var defaults = new RewardModelConfig { ModelPath = "", TrainData = "", OutputDir = "" };
        var model = new Option<string>("--model") { Description = "Hugging Face checkpoint to start from (a causal LM, e.g. the SFT model, or a reward model)", Required = true };
        var data = new Option<string>("--data") { Description = "Preference rows: .jsonl or .csv with prompt,chosen,rejected[,margin] | chosen,rejected | prompt,responses,rewards", Required = true };
        var evalData = new Option<string?>("--eval-data") { Description = "Held-out pairs or rankings for eval_accuracy" };
        var output = new Option<string>("--out") { Description = "Output folder: the *ForSequenceClassification checkpoint, checkpoint-*/, metrics.jsonl", Required = true };
        var center = new Option<double>("--center-rewards-coefficient") { Description = "Reward centering c·mean((r_w + r_l)²) (0.01 recommended; 0 = off)", DefaultValueFactory = _ => defaults.CenterRewardsCoefficient };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data", DefaultValueFactory = _ => defaults.Epochs };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps (overrides --epochs when > 0)", DefaultValueFactory = _ => defaults.MaxSteps };
        var batch = new Option<int>("--batch-size") { Description = "Rows (pairs or rankings) per micro-batch", DefaultValueFactory = _ => defaults.BatchSize };
        var accumulation = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => defaults.GradientAccumulationSteps };
        var maxLength = new Option<int>("--max-length") { Description = "Longest prompt + response in tokens", DefaultValueFactory = _ => defaults.MaxLength };
        var warmup = new Option<double>("--warmup-ratio") { Description = "Fraction of steps of linear warm-up", DefaultValueFactory = _ => defaults.WarmupRatio };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW decoupled weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
        var clip = new Option<double>("--max-grad-norm") { Description = "Global gradient-norm clipping", DefaultValueFactory = _ => defaults.MaxGradNorm };
        var logging = new Option<int>("--logging-steps") { Description = "Log metrics every N steps", DefaultValueFactory = _ => defaults.LoggingSteps };
        var evalSteps = new Option<int>("--eval-steps") { Description = "Evaluate every N steps (0: at the end only)", DefaultValueFactory = _ => defaults.EvalSteps };
        var saveSteps = new Option<int>("--save-steps") { Description = "Save a resumable checkpoint every N steps (0: final model only)", DefaultValueFactory = _ => defaults.SaveSteps };
        var seed = new Option<ulong>("--seed") { Description = "Seed of data order, score-head initialisation and libtorch's generator", DefaultValueFactory = _ => defaults.Seed };
        var resume = new Option<string?>("--resume-from") { Description = "A checkpoint-N folder of an earlier run to continue" };

        var bf16 = Bf16Option.Create();
        var overwrite = OverwriteOption.Create(canResume: true);
        var device = DeviceOption.Create("Where training runs (libtorch)");
        var command = new Command("reward", "Train a reward model (Bradley–Terry / K-wise ranking loss) on preference data");
        foreach (Option o in new Option[] { model, data, evalData, output, center, lr, epochs, maxSteps, batch, accumulation, maxLength, warmup, weightDecay,
                                            clip, logging, evalSteps, saveSteps, seed, resume, bf16, device, overwrite })
            command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var config = new RewardModelConfig
            {
                ModelPath = parse.GetValue(model)!, TrainData = parse.GetValue(data)!, EvalData = parse.GetValue(evalData), OutputDir = parse.GetValue(output)!,
                CenterRewardsCoefficient = parse.GetValue(center), LearningRate = parse.GetValue(lr), Epochs = parse.GetValue(epochs),
                MaxSteps = parse.GetValue(maxSteps), BatchSize = parse.GetValue(batch), GradientAccumulationSteps = parse.GetValue(accumulation),
                MaxLength = parse.GetValue(maxLength), WarmupRatio = parse.GetValue(warmup), WeightDecay = parse.GetValue(weightDecay),
                MaxGradNorm = parse.GetValue(clip), Bf16 = parse.GetValue(bf16), Device = parse.GetValue(device)!, Overwrite = parse.GetValue(overwrite), LoggingSteps = parse.GetValue(logging), EvalSteps = parse.GetValue(evalSteps),
                SaveSteps = parse.GetValue(saveSteps), Seed = parse.GetValue(seed), ResumeFrom = parse.GetValue(resume),
            };
            RewardModelResult result = new RewardModelTrainer(config, Console.Out).Train();
            Console.WriteLine($"done: {result.Steps} steps, train loss {result.Train["loss"]:F4}, train accuracy {result.Train["accuracy"]:P1}" +
                              (result.FinalEval is { } e ? $", eval loss {e["loss"]:F4}, eval accuracy {e["accuracy"]:P1}" : "") +
                              $"; reward model in {result.OutputDir} (hybrid export turns it into a scoring folder)");
            return 0;
        }));
        return command;
    }
}
