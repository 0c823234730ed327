// `hybrid demo`: the whole loop in miniature — init a model, SFT on libtorch, export, generate with ONNX Runtime GenAI, GRPO.
using Hybrid.Cli.Demo;

namespace Hybrid.Cli.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "SFT steps on libtorch", DefaultValueFactory = _ => 600 };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Work folder: base model, fine-tuned model, exported GenAI model (replaced on each run)",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("exports", "demo")),
        };
        var command = new Command("demo", "Creates a tiny model, fine-tunes it on libtorch, exports it, generates with ONNX Runtime GenAI, then runs GRPO from GenAI rollouts");
        command.Options.Add(steps);
        command.Options.Add(output);
        command.SetAction(parse => PipelineDemo.Run(parse.GetValue(output)!.FullName, parse.GetValue(steps), Console.Out));
        return command;
    }
}
