// The `hybrid` command line: one sub-command per job.
using Hybrid.Cli.Commands;

var root = new RootCommand("Hybrid: LLM post-training in .NET (libtorch for updates, ONNX Runtime GenAI for rollouts)");
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(InitModelCommand.Create());
root.Subcommands.Add(SftCommand.Create());
root.Subcommands.Add(RewardCommand.Create());
root.Subcommands.Add(DpoCommand.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(ScoreCommand.Create());
root.Subcommands.Add(RlCommand.Create());
root.Subcommands.Add(OnlineDpoCommand.Create());
root.Subcommands.Add(WorkerCommand.Create());
return root.Parse(args).Invoke();
