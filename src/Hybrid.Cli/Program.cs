// The `hybrid` command line: sub-commands for the toolkit's jobs (for now `demo`).
using System.CommandLine;
using Hybrid.Cli.Demo;

var steps = new Option<int>("--steps") { Description = "Training steps of the libtorch part", DefaultValueFactory = _ => 40 };
var output = new Option<DirectoryInfo>("--out")
{
    Description = "Folder for the exported GenAI model",
    DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("exports", "demo-tiny")),
};
var demo = new Command("demo", "Trains a tiny network a few steps on libtorch, then generates from a tiny ONNX Runtime GenAI model");
demo.Options.Add(steps);
demo.Options.Add(output);
demo.SetAction(parse =>
{
    int trained = TrainingDemo.Run(parse.GetValue(steps), Console.Out);
    if (trained != 0) return trained;
    Console.WriteLine();
    return GenerationDemo.Run(parse.GetValue(output)!.FullName, Console.Out);
});

var root = new RootCommand("Hybrid: LLM post-training in .NET (libtorch for updates, ONNX Runtime GenAI for rollouts)");
root.Subcommands.Add(demo);
return root.Parse(args).Invoke();
