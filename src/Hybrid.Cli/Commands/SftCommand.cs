// `hybrid sft`: supervised fine-tuning of a Hugging Face checkpoint on a JSONL/CSV dataset.
using System.CommandLine;
using Hybrid.Training.Sft;

namespace Hybrid.Cli.Commands;

internal static class SftCommand
{
    public static Command Create()
    {
        var defaults = new SftConfig { ModelPath = "", TrainData = "", OutputDir = "" };
        var model = new Option<string>("--model") { Description = "Hugging Face checkpoint folder to fine-tune", Required = true };
        var data = new Option<string>("--data") { Description = "Training rows: .jsonl or .csv with text | prompt,completion | messages", Required = true };
        var evalData = new Option<string?>("--eval-data") { Description = "Held-out rows for eval_loss and eval_mean_token_accuracy" };
        var output = new Option<string>("--out") { Description = "Output folder: final model, checkpoint-*/, metrics.jsonl", Required = true };
        var lr = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data", DefaultValueFactory = _ => defaults.Epochs };
        var maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps (overrides --epochs when > 0)", DefaultValueFactory = _ => defaults.MaxSteps };
        var batch = new Option<int>("--batch-size") { Description = "Rows per micro-batch", DefaultValueFactory = _ => defaults.BatchSize };
        var accumulation = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => defaults.GradientAccumulationSteps };
        var maxLength = new Option<int>("--max-length") { Description = "Truncate rows to this many tokens", DefaultValueFactory = _ => defaults.MaxLength };
        var warmup = new Option<double>("--warmup-ratio") { Description = "Fraction of steps of linear warm-up", DefaultValueFactory = _ => defaults.WarmupRatio };
        var weightDecay = new Option<double>("--weight-decay") { Description = "AdamW decoupled weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
        var clip = new Option<double>("--max-grad-norm") { Description = "Global gradient-norm clipping", DefaultValueFactory = _ => defaults.MaxGradNorm };
        var completionOnly = new Option<bool>("--completion-only-loss") { Description = "Loss on completion tokens only (prompt/completion rows)", DefaultValueFactory = _ => true };
        var assistantOnly = new Option<bool>("--assistant-only-loss") { Description = "Loss on assistant turns only (messages rows)", DefaultValueFactory = _ => true };
        var logging = new Option<int>("--logging-steps") { Description = "Log metrics every N steps", DefaultValueFactory = _ => defaults.LoggingSteps };
        var evalSteps = new Option<int>("--eval-steps") { Description = "Evaluate every N steps (0: at the end only)", DefaultValueFactory = _ => defaults.EvalSteps };
        var saveSteps = new Option<int>("--save-steps") { Description = "Save a resumable checkpoint every N steps (0: final model only)", DefaultValueFactory = _ => defaults.SaveSteps };
        var seed = new Option<ulong>("--seed") { Description = "Seed of data order and libtorch's generator", DefaultValueFactory = _ => defaults.Seed };
        var resume = new Option<string?>("--resume-from") { Description = "A checkpoint-N folder of an earlier run to continue" };

        var bf16 = Bf16Option.Create();
        var overwrite = OverwriteOption.Create(canResume: true);
        var device = DeviceOption.Create("Where training runs (libtorch)");
        var command = new Command("sft", "Supervised fine-tuning (TRL SFTTrainer semantics) of a Hugging Face decoder checkpoint");
        foreach (Option o in new Option[] { model, data, evalData, output, lr, epochs, maxSteps, batch, accumulation, maxLength, warmup, weightDecay,
                                            clip, completionOnly, assistantOnly, logging, evalSteps, saveSteps, seed, resume, bf16, device, overwrite })
            command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var config = new SftConfig
            {
                ModelPath = parse.GetValue(model)!, TrainData = parse.GetValue(data)!, EvalData = parse.GetValue(evalData),
                OutputDir = parse.GetValue(output)!, LearningRate = parse.GetValue(lr), Epochs = parse.GetValue(epochs),
                MaxSteps = parse.GetValue(maxSteps), BatchSize = parse.GetValue(batch), GradientAccumulationSteps = parse.GetValue(accumulation),
                MaxLength = parse.GetValue(maxLength), WarmupRatio = parse.GetValue(warmup), WeightDecay = parse.GetValue(weightDecay),
                MaxGradNorm = parse.GetValue(clip), CompletionOnlyLoss = parse.GetValue(completionOnly), AssistantOnlyLoss = parse.GetValue(assistantOnly),
                LoggingSteps = parse.GetValue(logging), EvalSteps = parse.GetValue(evalSteps), SaveSteps = parse.GetValue(saveSteps),
                Seed = parse.GetValue(seed), ResumeFrom = parse.GetValue(resume), Bf16 = parse.GetValue(bf16), Device = parse.GetValue(device)!, Overwrite = parse.GetValue(overwrite),
            };
            SftResult result = new SftTrainer(config, Console.Out).Train();
            Console.WriteLine($"done: {result.Steps} steps, train loss {result.TrainLoss:F4}" +
                              (result.EvalLoss is double e ? $", eval loss {e:F4}, eval token accuracy {result.EvalMeanTokenAccuracy:P1}" : "") +
                              $", {result.TokensPerSecond:F0} tokens/s");
            return 0;
        }));
        return command;
    }
}
