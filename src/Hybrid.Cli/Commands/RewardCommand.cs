// `hybrid reward`: trains a reward model (Bradley–Terry pairs or K-wise rankings) from a Hugging Face checkpoint.
using Hybrid.Cli.Progress;
using Hybrid.Training.RewardModel;

namespace Hybrid.Cli.Commands;

internal static class RewardCommand
{
    public static Command Create()
    {
        var defaults = new RewardModelConfig { ModelPath = "", TrainData = "", OutputDir = "" };
        var shared = new TrainingOptions(defaults,
            model: "Hugging Face checkpoint to start from (a causal LM, e.g. the SFT model, or a reward model)",
            data: "Preference rows: .jsonl or .csv with prompt,chosen,rejected[,margin] | chosen,rejected | prompt,responses,rewards",
            evalData: "Held-out pairs or rankings for eval_accuracy",
            output: "Output folder: the *ForSequenceClassification checkpoint, checkpoint-*/, metrics.jsonl",
            rows: "Rows (pairs or rankings)",
            maxLength: "Longest prompt + response in tokens",
            seed: "Seed of data order, score-head initialisation and libtorch's generator");
        var center = new Option<double>("--center-rewards-coefficient") { Description = "Reward centering c·mean((r_w + r_l)²) (0.01 recommended; 0 = off)", DefaultValueFactory = _ => defaults.CenterRewardsCoefficient };
        var command = new Command("reward", "Train a reward model (Bradley–Terry / K-wise ranking loss) on preference data");
        shared.AddTo(command, center);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            RewardModelConfig config = shared.Apply(parse, defaults with { CenterRewardsCoefficient = parse.GetValue(center) });
            RewardModelResult result = new RewardModelTrainer(config, LiveProgress.Log).Train();
            Console.WriteLine($"done: {result.Steps} steps, train loss {result.Train["loss"]:F4}, train accuracy {result.Train["accuracy"]:P1}" +
                              (result.FinalEval is { } e ? $", eval loss {e["loss"]:F4}, eval accuracy {e["accuracy"]:P1}" : "") +
                              $"; reward model in {result.OutputDir} (hybrid export turns it into a scoring folder)" + TrainingOptions.BestNote(result.Best));
            return 0;
        }));
        return command;
    }
}
