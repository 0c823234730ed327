// `hybrid dpo`: offline preference optimisation (DPO and its family: cdpo, robust, ipo, hinge, kto, orpo, simpo, rdpo, odpo, rrhf, +nll).
using Hybrid.Algorithms.Preference;
using Hybrid.Cli.Progress;
using Hybrid.Training.Preference;

namespace Hybrid.Cli.Commands;

internal static class DpoCommand
{
    public static Command Create()
    {
        var defaults = new PreferenceConfig { ModelPath = "", TrainData = "", OutputDir = "" };
        var shared = new TrainingOptions(defaults,
            model: "Hugging Face checkpoint folder of the policy (and the reference unless --ref-model)",
            data: "Preference rows: .jsonl or .csv (pairs, prompt/completion/label for kto, prompt/responses/rewards for rrhf)",
            evalData: "Held-out pairs or rankings for eval_preference_accuracy",
            output: "Output folder: final model, checkpoint-*/, metrics.jsonl",
            maxLength: "Longest prompt + response in tokens");
        var loss = new Option<string>("--loss")
        {
            Description = $"Loss name or weighted list, e.g. sigmoid or sigmoid,nll:0.2 (known: {string.Join(", ", PreferenceLosses.Registry.Names)})",
            DefaultValueFactory = _ => defaults.Loss,
        };
        var refModel = new Option<string?>("--ref-model") { Description = "Reference checkpoint when it is not --model" };
        var precompute = new Option<bool>("--precompute-ref-log-probs") { Description = "Compute reference log-probs once before training (false: a live reference model per batch)", DefaultValueFactory = _ => defaults.PrecomputeRefLogProbs };
        var lossOptions = new PreferenceLossFlags();
        var maxPromptLength = new Option<int>("--max-prompt-length") { Description = "Longest prompt in tokens (longer ones keep their end)", DefaultValueFactory = _ => defaults.MaxPromptLength };
        var command = new Command("dpo", "Offline preference optimisation (TRL DPOTrainer semantics; any registered preference loss)");
        shared.AddTo(command, [loss, refModel, precompute, .. lossOptions.All, maxPromptLength]);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            PreferenceConfig config = shared.Apply(parse, defaults with
            {
                Loss = parse.GetValue(loss)!, RefModelPath = parse.GetValue(refModel), PrecomputeRefLogProbs = parse.GetValue(precompute),
                LossOptions = lossOptions.Read(parse), MaxPromptLength = parse.GetValue(maxPromptLength),
            });
            PreferenceResult result = new PreferenceTrainer(config, LiveProgress.Log).Train();
            Console.WriteLine($"done: {result.Steps} steps, train loss {result.TrainLoss:F4}" +
                              (result.FinalEval is { Comparisons: > 0 } e ? $", eval preference accuracy {e.Accuracy:P1} (margin {e.Margin:F4})" : "") +
                              $"; model in {result.OutputDir}" + TrainingOptions.BestNote(result.Best));
            return 0;
        }));
        return command;
    }
}
