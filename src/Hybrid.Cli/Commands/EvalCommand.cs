// `hybrid eval`: held-out evaluation of a model on a prompts file with a reward — greedy score and pass rate, pass@k.
using System.Globalization;
using System.Text.Json.Nodes;
using Hybrid.Algorithms.Rewards;
using Hybrid.Data;
using Hybrid.Models.Generation;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout;
using Hybrid.Rollout.Scoring;
using Hybrid.Training.Data;
using Hybrid.Training.Generation;
using Hybrid.Training.Rl;
using Spectre.Console;

namespace Hybrid.Cli.Commands;

internal static class EvalCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "An exported folder or a Hugging Face checkpoint (exported to a temporary folder first)", Required = true };
        var data = new Option<string>("--data") { Description = "Held-out prompts: .jsonl or .csv with 'prompt' and the columns the reward reads (e.g. 'answer')", Required = true };
        var reward = new Option<string>("--reward") { Description = $"Rule rewards with weights ({string.Join(", ", RuleRewards.Registry.Names)})", DefaultValueFactory = _ => "accuracy" };
        var rewardModels = new Option<string[]>("--reward-model") { Description = "Exported reward model folder(s), added with weight 1", AllowMultipleArgumentsPerToken = true };
        var samples = new Option<int>("--samples") { Description = "n: samples per prompt for pass@k", DefaultValueFactory = _ => 8 };
        var ks = new Option<string>("--k") { Description = "Comma-separated k of pass@k (each ≤ --samples)", DefaultValueFactory = _ => "1,4,8" };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature of the pass@k samples", DefaultValueFactory = _ => 1.0 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens per completion", DefaultValueFactory = _ => 64 };
        var seed = new Option<long>("--seed") { Description = "Seed of the samples", DefaultValueFactory = _ => 42 };
        var threshold = new Option<double>("--pass-threshold") { Description = "A completion passes when its reward is at least this", DefaultValueFactory = _ => 1.0 };
        var chat = new Option<bool>("--chat") { Description = "Wrap each plain prompt as a user turn with the tokenizer's chat template" };
        var output = new Option<string?>("--out") { Description = "Write the results as JSON to this file" };
        var device = DeviceOption.Create("Where ONNX Runtime runs");
        var command = new Command("eval", "Held-out evaluation with rule rewards or reward models: greedy score and pass rate, pass@k (Chen et al. 2021)");
        foreach (Option o in new Option[] { model, data, reward, rewardModels, samples, ks, temperature, maxNew, seed, threshold, chat, output, device })
            command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            int n = parse.GetValue(samples);
            if (n < 1) throw new ArgumentException($"--samples {n}: must be >= 1");
            int[] kList = ParseKs(parse.GetValue(ks)!, n);
            double t = parse.GetValue(temperature);
            if (!(t > 0) || !double.IsFinite(t)) throw new ArgumentException($"--temperature {t}: must be > 0 (the greedy pass is always run)");
            var sampling = new SamplingParams { Temperature = t, MaxNewTokens = parse.GetValue(maxNew), Seed = parse.GetValue(seed) };
            IReadOnlyList<PromptRow> rows = PromptDatasetReader.Read(parse.GetValue(data)!);
            using var inference = new InferenceModel(parse.GetValue(model)!);
            using Tokenizer tokenizer = Tokenizer.Open(inference.Folder);
            if (parse.GetValue(chat)) rows = InferenceModel.AsUserTurns(rows, tokenizer);
            var onnxDevice = DeviceOption.Parse(parse.GetValue(device)!);
            using IRewardScorer? scorer = InferenceModel.Scorer(parse.GetValue(rewardModels) ?? [], onnxDevice);
            IRewardFunction judge = InferenceModel.Reward(parse.GetValue(reward)!, scorer)!;
            RewardColumns.Check(judge, rows);
            using var engine = new RolloutEngine(inference.Folder, new RolloutEngineOptions { Device = onnxDevice });
            EvaluationResult r = HeldOutEvaluation.Run(engine, tokenizer, rows, judge, n, sampling, kList, parse.GetValue(threshold));

            var json = new JsonObject
            {
                ["model"] = parse.GetValue(model), ["data"] = parse.GetValue(data), ["reward"] = judge.Name, ["prompts"] = r.Prompts,
                ["pass_threshold"] = parse.GetValue(threshold),
                ["greedy"] = new JsonObject { ["score"] = r.GreedyScore, ["pass"] = r.GreedyPass },
                ["sampled"] = new JsonObject
                {
                    ["samples_per_prompt"] = n, ["temperature"] = t, ["seed"] = parse.GetValue(seed), ["score"] = r.SampledScore,
                    ["pass_at_k"] = new JsonObject(r.PassAtK.Select(kv => KeyValuePair.Create($"pass@{kv.Key}", (JsonNode?)kv.Value))),
                },
                ["seconds"] = r.Seconds,
            };
            if (parse.GetValue(output) is string path) AtomicFile.WriteText(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
            var lines = new List<(string, string)> { ("greedy score", F(r.GreedyScore)), ("greedy pass", F(r.GreedyPass)), ($"sampled score (n = {n}, T = {F(t)})", F(r.SampledScore)) };
            lines.AddRange(r.PassAtK.Select(kv => ($"pass@{kv.Key}", F(kv.Value))));
            if (Console.IsOutputRedirected)
                foreach (var (name, value) in lines) Console.WriteLine($"{name}: {value}");
            else
            {
                var table = new Table().AddColumn($"{r.Prompts} prompts, reward {judge.Name}").AddColumn(new TableColumn("value").RightAligned());
                foreach (var (name, value) in lines) table.AddRow(Markup.Escape(name), value);
                AnsiConsole.Write(table);
            }
            return 0;
        }));
        return command;
    }

    private static string F(double x) => x.ToString("F4", CultureInfo.InvariantCulture);

    private static int[] ParseKs(string text, int n)
    {
        var ks = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int k) || k < 1 || k > n)
                throw new ArgumentException($"--k {text}: '{part}' must be a whole number in [1, {n}] (--samples)");
            ks.Add(k);
        }
        return ks.Count > 0 ? ks.ToArray() : throw new ArgumentException($"--k {text}: give at least one k");
    }
}
