// `hybrid sft`: supervised fine-tuning of a Hugging Face checkpoint on a JSONL/CSV dataset.
using Hybrid.Cli.Progress;
using Hybrid.Training.Sft;

namespace Hybrid.Cli.Commands;

internal static class SftCommand
{
    public static Command Create()
    {
        var defaults = new SftConfig { ModelPath = "", TrainData = "", OutputDir = "" };
        var shared = new TrainingOptions(defaults,
            model: "Hugging Face checkpoint folder to fine-tune",
            data: "Training rows: .jsonl or .csv with text | prompt,completion | messages",
            evalData: "Held-out rows for eval_loss and eval_mean_token_accuracy",
            output: "Output folder: final model, checkpoint-*/, metrics.jsonl",
            maxLength: "Truncate rows to this many tokens");
        var completionOnly = new Option<bool>("--completion-only-loss") { Description = "Loss on completion tokens only (prompt/completion rows)", DefaultValueFactory = _ => defaults.CompletionOnlyLoss };
        var assistantOnly = new Option<bool>("--assistant-only-loss") { Description = "Loss on assistant turns only (messages rows)", DefaultValueFactory = _ => defaults.AssistantOnlyLoss };
        var command = new Command("sft", "Supervised fine-tuning (TRL SFTTrainer semantics) of a Hugging Face decoder checkpoint");
        shared.AddTo(command, completionOnly, assistantOnly);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            SftConfig config = shared.Apply(parse, defaults with
            {
                CompletionOnlyLoss = parse.GetValue(completionOnly), AssistantOnlyLoss = parse.GetValue(assistantOnly),
            });
            SftResult result = new SftTrainer(config, LiveProgress.Log).Train();
            Console.WriteLine($"done: {result.Steps} steps, train loss {result.TrainLoss:F4}" +
                              (result.EvalLoss is double e ? $", eval loss {e:F4}, eval token accuracy {result.EvalMeanTokenAccuracy:P1}" : "") +
                              $", {result.TokensPerSecond:F0} tokens/s" + TrainingOptions.BestNote(result.Best));
            return 0;
        }));
        return command;
    }
}
