// `hybrid generate`: batched generation from an exported model (or a checkpoint, exported on the fly) over a prompts file.
using System.Text.Json.Nodes;
using Hybrid.Algorithms.Rewards;
using Hybrid.Data;
using Hybrid.Export.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout;
using Hybrid.Rollout.Scoring;
using Hybrid.Training.Data;
using Hybrid.Training.Generation;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;

namespace Hybrid.Cli.Commands;

internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "An exported folder (genai_config.json, model.onnx) or a Hugging Face checkpoint (exported to a temporary folder first)", Required = true };
        var data = new Option<string>("--data") { Description = "Prompts: .jsonl or .csv with a 'prompt' column (a string, or a list of messages rendered with the chat template)", Required = true };
        var output = new Option<string>("--out") { Description = "Output .jsonl: each input row's fields plus completion, finish_reason, sample, tokens (and score, scores with --best-of)", Required = true };
        var n = new Option<int>("--n") { Description = "Samples per prompt", DefaultValueFactory = _ => 1 };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens per completion", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (0: greedy)", DefaultValueFactory = _ => 1.0 };
        var topK = new Option<int>("--top-k") { Description = "Top-k (0: off)", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Top-p (1: off)", DefaultValueFactory = _ => 1.0 };
        var seed = new Option<long?>("--seed") { Description = "Seed of the sampling (default: unseeded)" };
        var chat = new Option<bool>("--chat") { Description = "Wrap each plain prompt as a user turn with the tokenizer's chat template" };
        var bestOf = new Option<int?>("--best-of") { Description = "Best-of-N: sample N per prompt, keep the best by --reward-model / --reward (all scores written)" };
        var rewardModels = new Option<string[]>("--reward-model") { Description = "With --best-of: exported reward model folder(s), averaged", AllowMultipleArgumentsPerToken = true };
        var reward = new Option<string?>("--reward") { Description = $"With --best-of: rule rewards with weights, e.g. accuracy:1,format:0.5 ({string.Join(", ", RuleRewards.Registry.Names)})" };
        var backend = RolloutBackendOption.Create();
        var device = DeviceOption.Create("Where ONNX Runtime runs");
        var command = new Command("generate", "Batched generation (n samples, or Best-of-N with a reward) from an exported model over a prompts file");
        foreach (Option o in new Option[] { model, data, output, n, maxNew, temperature, topK, topP, seed, chat, bestOf, rewardModels, reward, backend, device })
            command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            int? best = parse.GetValue(bestOf);
            string[] rms = parse.GetValue(rewardModels) ?? [];
            string? rule = parse.GetValue(reward);
            if (best is < 2) throw new ArgumentException($"--best-of {best}: must be >= 2 (samples to choose from)");
            if (best is not null && rms.Length == 0 && rule is null) throw new ArgumentException("--best-of needs a reward: --reward-model DIR or --reward NAME");
            if (best is null && (rms.Length > 0 || rule is not null)) throw new ArgumentException("--reward-model and --reward choose the best sample: add --best-of N");
            if (best is not null && parse.GetResult(n) is { Implicit: false }) throw new ArgumentException("--n and --best-of both set samples per prompt: give one");
            double t = parse.GetValue(temperature);
            if (!(t >= 0) || !double.IsFinite(t)) throw new ArgumentException($"--temperature {t}: must be >= 0 (0: greedy)");
            var sampling = (t == 0 ? SamplingParams.Greedy(parse.GetValue(maxNew)) : new SamplingParams
            {
                Temperature = t, TopK = parse.GetValue(topK), TopP = parse.GetValue(topP), MaxNewTokens = parse.GetValue(maxNew), Seed = parse.GetValue(seed),
            });
            string outPath = parse.GetValue(output)!;
            if (!outPath.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)) throw new ArgumentException($"--out {outPath}: write a .jsonl file");
            IReadOnlyList<PromptRow> rows = PromptDatasetReader.Read(parse.GetValue(data)!);

            using var inference = new InferenceModel(parse.GetValue(model)!);
            string dir = inference.Folder;
            using Tokenizer tokenizer = Tokenizer.Open(dir);
            if (parse.GetValue(chat)) rows = InferenceModel.AsUserTurns(rows, tokenizer);
            var onnxDevice = DeviceOption.Parse(parse.GetValue(device)!);
            using IRewardScorer? scorer = InferenceModel.Scorer(rms, onnxDevice);
            IRewardFunction? judge = best is null ? null : InferenceModel.Reward(rule, scorer);
            if (judge is not null) RewardColumns.Check(judge, rows);
            using var engine = new RolloutEngine(dir, new RolloutEngineOptions { Device = onnxDevice, Backend = parse.GetValue(backend) });
            GenerationSummary summary = BatchGeneration.Run(engine, tokenizer, rows, best ?? parse.GetValue(n), sampling, judge);
            AtomicFile.WriteText(outPath, string.Concat(summary.Rows.Select(r => Json(r).ToJsonString(JsonOptions) + "\n")));
            Console.WriteLine($"generated {summary.Samples} completions for {rows.Count} prompts ({summary.Tokens} tokens) in {summary.Seconds:F2} s: " +
                              $"{summary.TokensPerSecond:F0} tokens/s{(best is null ? "" : $"; kept the best of {best} per prompt")} → {outPath}");
            return 0;
        }));
        return command;
    }

    /// <summary>Text as written (no \uXXXX for '+' or non-ASCII), as the scored files are.</summary>
    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The output row: the input's columns, then prompt, completion, finish_reason, sample, tokens (score, scores).</summary>
    private static JsonObject Json(GeneratedRow r)
    {
        var o = new JsonObject();
        foreach (var (k, v) in r.Row.Columns) o[k] = v;
        o["prompt"] = r.Row.Prompt;
        o["completion"] = r.Completion;
        o["finish_reason"] = r.Finish == FinishReason.Stop ? "stop" : "length";
        o["sample"] = r.Sample;
        o["tokens"] = r.Tokens;
        if (r.Score is double s) o["score"] = s;
        if (r.Scores is not null) o["scores"] = new JsonArray(r.Scores.Select(x => (JsonNode)x).ToArray());
        return o;
    }
}
