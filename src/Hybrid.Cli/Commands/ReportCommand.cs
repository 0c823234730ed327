// `hybrid report`: one self-contained HTML page of a training run's charts, settings and final metrics, or of several runs overlaid.
using Hybrid.Cli.Report;
using Hybrid.Data;

namespace Hybrid.Cli.Commands;

internal static class ReportCommand
{
    public static Command Create()
    {
        var runDirs = new Argument<string[]>("RUN_DIR")
        {
            Description = "The --out folder of a training run (sft, dpo, reward, rl, online-dpo): its metrics.jsonl and run_config.json; several are overlaid",
            Arity = ArgumentArity.OneOrMore,
        };
        var output = new Option<string?>("--out")
        {
            Description = "The HTML file to write (default: RUN_DIR/report.html for one run; required for several, so that no run's own report is replaced)",
        };
        var command = new Command("report", "An HTML report of training runs (charts of loss, reward, KL, entropy, clipping, lengths, rollout mismatch, phase times; settings; final metrics), viewable offline");
        command.Arguments.Add(runDirs);
        command.Options.Add(output);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            string[] dirs = parse.GetValue(runDirs)!;
            string path = parse.GetValue(output)
                          ?? (dirs.Length == 1 ? Path.Combine(dirs[0], "report.html") : throw new ArgumentException($"--out: give the report's file when overlaying {dirs.Length} runs"));
            var runs = new List<RunMetrics>();
            foreach (string dir in dirs)
            {
                RunMetrics run = RunMetrics.Read(dir);
                int same = runs.Count(r => r.Name == run.Name || r.Name.StartsWith(run.Name + " (", StringComparison.Ordinal));
                runs.Add(same == 0 ? run : new RunMetrics { Name = $"{run.Name} ({same + 1})", Folder = run.Folder, Series = run.Series, Settings = run.Settings });
            }
            ReportResult report = ReportPage.Build(runs);
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            AtomicFile.WriteText(path, report.Html);
            Console.WriteLine($"wrote {path}: {report.Drawn.Count} charts ({string.Join(", ", report.Drawn)})"
                              + (report.NoData.Count > 0 ? $"; no data for {string.Join(", ", report.NoData)}" : ""));
            return 0;
        }));
        return command;
    }
}
