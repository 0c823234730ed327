// The `hybrid` command line: one sub-command per job.
using Hybrid.Cli.Commands;
using Hybrid.Cli.Config;

var root = new RootCommand("Hybrid: LLM post-training in .NET (libtorch for updates, ONNX Runtime GenAI for rollouts)");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(MakeDataCommand.Create());
root.Subcommands.Add(InitModelCommand.Create());
root.Subcommands.Add(SftCommand.Create());
root.Subcommands.Add(RewardCommand.Create());
root.Subcommands.Add(DpoCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ScoreCommand.Create());
root.Subcommands.Add(RlCommand.Create());
root.Subcommands.Add(OnlineDpoCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(ChatCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(WorkerCommand.Create());
string[] expanded;
try
{
    expanded = RunConfigFile.Expand(root, args);   // --config run.yaml: the file's options, under the command line's
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidDataException)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return CliErrors.InputError;
}
return root.Parse(expanded).Invoke();
