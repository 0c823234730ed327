// `hybrid score`: scores a JSONL/CSV file of rows with an exported reward model (or an ensemble) on ONNX Runtime.
using Hybrid.Cluster;
using Hybrid.Data;
using Hybrid.Rollout.Scoring;
using Spectre.Console;

namespace Hybrid.Cli.Commands;

internal static class ScoreCommand
{
    public static Command Create()
    {
        var defaults = new RewardScorerOptions();
        var model = new Option<string[]>("--model")
        {
            Description = "Exported reward model folder (model.onnx, config.json, tokenizer); repeat it for an ensemble (scores averaged)",
            Required = true,
        };
        var data = new Option<string>("--data") { Description = "Rows to score: .jsonl or .csv with prompt,response (or completion) | messages", Required = true };
        var output = new Option<string>("--out") { Description = "Scored rows, same format as --data: every field plus 'score'", Required = true };
        var batch = new Option<int>("--batch-size") { Description = "Rows per ORT run (rows are length-sorted first)", DefaultValueFactory = _ => defaults.BatchSize };
        var threads = new Option<int>("--threads") { Description = "ORT intra-op threads (0: one per core)", DefaultValueFactory = _ => defaults.IntraOpThreads };
        var maxLength = new Option<int?>("--max-length") { Description = "Longest input in tokens; longer rows keep their last tokens (default: the model's max_position_embeddings)" };

        var device = DeviceOption.Create("Where the reward model(s) run");
        var cluster = new ClusterOptions();
        var command = new Command("score", "Score prompt/response rows with an exported reward model on ONNX Runtime");
        foreach (Option o in new Option[] { model, data, output, batch, threads, maxLength, device }.Concat(cluster.All))
            command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            var options = new RewardScorerOptions
            {
                BatchSize = parse.GetValue(batch), IntraOpThreads = parse.GetValue(threads), MaxLength = parse.GetValue(maxLength),
                Device = DeviceOption.Parse(parse.GetValue(device)!),
            }.Validate();
            string dataPath = parse.GetValue(data)!, outPath = parse.GetValue(output)!;
            ClusterMembership? membership = cluster.Membership(parse);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            ScoringDataset rows = ScoringJob.Read(dataPath, outPath);   // every row checked before a model is opened
            double readSeconds = clock.Elapsed.TotalSeconds;
            // With --cluster the models are checked by opening them here too, before any worker receives them.
            using IRewardScorer local = RewardEnsemble.Open(parse.GetValue(model)!, options);
            using ClusterDriver? driver = membership is null ? null : cluster.Start(membership, parse);
            IRewardScorer scorer = driver is null ? local : new ClusterScorer(driver, parse.GetValue(model)!, options);
            ScoringSummary summary = (Console.IsOutputRedirected
                ? ScoringJob.Run(rows, outPath, scorer, PlainProgress())
                : WithProgressBar(progress => ScoringJob.Run(rows, outPath, scorer, progress))) with { ReadSeconds = readSeconds };
            Console.WriteLine($"scored {summary.Rows} rows in {summary.ScoreSeconds:F2} s: {summary.RowsPerSecond:F1} rows/s, " +
                              $"{summary.Tokens / Math.Max(summary.ScoreSeconds, 1e-9):F0} tokens/s " +
                              $"(padding efficiency {(double)summary.Tokens / Math.Max(summary.PaddedTokens, 1):P0}" +
                              (summary.TruncatedRows > 0 ? $", {summary.TruncatedRows} rows truncated to their last tokens" : "") +
                              $") → {outPath}");
            return 0;
        }));
        return command;
    }

    /// <summary>A Spectre.Console progress bar (stdout is a terminal) fed by the job's (done, total) callback.</summary>
    private static ScoringSummary WithProgressBar(Func<Action<int, int>, ScoringSummary> job) =>
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                ProgressTask task = context.AddTask("scoring", autoStart: true, maxValue: 1);
                return job((done, total) =>
                {
                    task.MaxValue = total;
                    task.Value = done;
                });
            });

    /// <summary>Plain lines for logs and pipes: one at each tenth of the rows.</summary>
    private static Action<int, int> PlainProgress()
    {
        int lastTenth = 0;
        return (done, total) =>
        {
            int tenth = (int)(10L * done / Math.Max(total, 1));
            if (tenth <= lastTenth) return;
            lastTenth = tenth;
            Console.WriteLine($"scored {done}/{total} rows");
        };
    }
}
