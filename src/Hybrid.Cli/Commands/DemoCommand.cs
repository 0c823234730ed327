// `hybrid demo`: trains a tiny network on libtorch, then generates from a tiny ONNX Runtime GenAI model.
using System.CommandLine;
using Hybrid.Cli.Demo;

namespace Hybrid.Cli.Commands;

internal static class DemoCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Training steps of the libtorch part", DefaultValueFactory = _ => 40 };
        var output = new Option<DirectoryInfo>("--out")
        {
            Description = "Folder for the exported GenAI model",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("exports", "demo-tiny")),
        };
        var command = new Command("demo", "Trains a tiny network a few steps on libtorch, then generates from a tiny ONNX Runtime GenAI model");
        command.Options.Add(steps);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            int trained = TrainingDemo.Run(parse.GetValue(steps), Console.Out);
            if (trained != 0) return trained;
            Console.WriteLine();
            return GenerationDemo.Run(parse.GetValue(output)!.FullName, Console.Out);
        });
        return command;
    }
}
