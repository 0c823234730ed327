// Reward-model training: a decoder checkpoint with a scalar score head learns human (or synthetic) preferences; loop, eval, checkpoints, resume.
using Hybrid.Training.Loop;
using Hybrid.Data;
using System.Diagnostics;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Models.Heads;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Metrics;
using Hybrid.Training.Preference;
using Hybrid.Training.Stability;
using Hybrid.Training.Output;

namespace Hybrid.Training.RewardModel;

/// <summary>What a finished run reports (the last step's metrics and, with eval data, the final held-out ones).</summary>
public sealed record RewardModelResult(long Steps, IReadOnlyDictionary<string, double> Train, IReadOnlyDictionary<string, double>? InitialEval,
    IReadOnlyDictionary<string, double>? FinalEval, long NumTokens, double Seconds, string OutputDir);

/// <summary>
/// Trains a <see cref="SequenceScoreModel"/> (HF <c>…ForSequenceClassification</c>, num_labels = 1) on preference pairs with
/// the Bradley–Terry loss (optional Llama 2 margins and reward centering) or on K-wise rankings with InstructGPT's all-pairs
/// loss, with the SFT trainer's machinery (AdamW, warm-up + cosine, clipping, accumulation, checkpoints, bit-exact resume).
/// A causal-LM checkpoint gives the body and a fresh score head (N(0, 0.02²) from the seeded generator); a reward checkpoint
/// loads whole. Each response is scored as the whole text prompt + response (<see cref="RewardTokenizer"/>), the text
/// <c>hybrid score</c> builds for the same row. The result is a Hugging Face reward checkpoint (<c>architectures: [Qwen2ForSequenceClassification]</c>,
/// <c>score.weight</c>, tokenizer files) that <c>hybrid export</c> turns into an ONNX scoring folder. Logs <c>loss</c>,
/// <c>accuracy</c>, <c>margin</c>, <c>min_reward</c>, <c>mean_reward</c>, <c>max_reward</c>, <c>grad_norm</c>,
/// <c>learning_rate</c>, <c>num_tokens</c>, <c>epoch</c> and <c>eval_*</c> to <c>{OutputDir}/metrics.jsonl</c>. Every row is
/// read and tokenized before anything is written.
/// </summary>
public sealed class RewardModelTrainer(RewardModelConfig config, TextWriter? log = null)
{
    private readonly RewardModelConfig _config = config.Validate();

    public RewardModelResult Train()
    {
        RewardModelConfig c = _config;
        using var onDevice = c.UseDeviceAndPrecision();   // models and batches are created on --device; bf16 autocast with --bf16
        using Tokenizer tokenizer = Tokenizer.Open(c.ModelPath);
        int pad = tokenizer.PadTokenId ?? tokenizer.EosTokenId ?? 0;   // pads are masked out; any id will do
        var tokenize = new RewardTokenizer(tokenizer.Encode, c.MaxLength);
        List<TokenizedPreference> train = ReadRows(c.TrainData, tokenize);
        List<TokenizedPreference>? eval = c.EvalData is null ? null : ReadRows(c.EvalData, tokenize);

        TensorUtil.ManualSeed(c.Seed);   // the fresh score head's initialisation
        using SequenceScoreModel model = LoadModel(c.ResumeFrom ?? c.ModelPath);
        var names = model.named_parameters().Select(p => p.name).ToList();
        using var optimizer = c.Optimizer.Create(model.parameters(), c.LearningRate);
        using var run = TrainingRun.Start(c, "reward", train.Count, optimizer, names, log);
        TrainingLoop loop = run.Loop;
        log?.WriteLine($"[reward] {train.Count} {(train[0].Kind == PreferenceExampleKind.Paired ? "pairs" : "rankings")}, {loop.TotalSteps} steps of " +
                       $"{c.BatchSize}×{c.GradientAccumulationSteps} rows, {model.ParameterCount():N0} parameters");
        IReadOnlyDictionary<string, double>? initial = eval is not null && c.EvalOnStart && loop.Step == 0 ? Evaluate(model, eval, pad, 0, run.Metrics) : null;

        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, double> last = new Dictionary<string, double>();
        while (!loop.Done)
        {
            var microBatches = loop.NextStep().Select(indices => (IReadOnlyList<TokenizedPreference>)indices.Select(i => train[i]).ToList()).ToList();
            RewardStepMetrics s = RewardModelStep.Run(model, optimizer, microBatches, pad, loop.LearningRate, c.MaxGradNorm, c.CenterRewardsCoefficient);
            run.Completed(s, s.Metrics);
            last = s.Metrics;
            if (eval is not null && run.EvaluateNow) Evaluate(model, eval, pad, loop.Step, run.Metrics);
            if (run.SaveNow) run.SaveCheckpoint(dir => SaveModel(dir, model));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        IReadOnlyDictionary<string, double>? final = eval is null ? null : Evaluate(model, eval, pad, loop.Step, run.Metrics);
        SaveModel(c.OutputDir, model);
        log?.WriteLine($"[reward] {loop.Step} steps in {seconds:F1} s; reward model saved to {c.OutputDir}");
        return new RewardModelResult(loop.Step, last, initial, final, loop.NumTokens, seconds, c.OutputDir);
    }

    /// <summary>
    /// The reward-model config of a checkpoint: itself when it is already a sequence classifier (with one label), else the
    /// causal LM's config renamed to its family's <c>…ForSequenceClassification</c> with num_labels = 1.
    /// </summary>
    public static DecoderConfig RewardConfig(DecoderConfig config, string source)
    {
        if (config.IsSequenceClassifier)
        {
            if (config.NumLabels != 1)
                throw new ConfigException($"{source}: num_labels = {config.NumLabels}; a reward model has one label (a scalar score)");
            return config;
        }
        string family = config.ModelType == "llama" ? "Llama" : "Qwen2";
        return config with { Architectures = [$"{family}ForSequenceClassification"], NumLabels = 1 };
    }

    private static List<TokenizedPreference> ReadRows(string path, RewardTokenizer tokenize)
    {
        IReadOnlyList<PreferenceExample> rows = PreferenceDatasetReader.Read(path);
        if (rows[0].Kind == PreferenceExampleKind.Unpaired)
            throw new DatasetException($"{rows[0].Source}: unpaired rows (completion/label) cannot train a Bradley–Terry reward model; give pairs or rankings");
        return rows.Select(tokenize.Tokenize).ToList();
    }

    private static SequenceScoreModel LoadModel(string dir)
    {
        using LoadedCheckpoint checkpoint = HfCheckpoint.Load(dir);
        var model = new SequenceScoreModel(RewardConfig(checkpoint.Config, checkpoint.Directory));
        // A causal LM's lm_head.weight has no place in a reward model, and its score head stays freshly initialised.
        model.LoadStateDict(checkpoint.Tensors, strict: checkpoint.Config.IsSequenceClassifier);
        return model;
    }

    private IReadOnlyDictionary<string, double> Evaluate(SequenceScoreModel model, List<TokenizedPreference> eval, int pad, long step, MetricsLog metrics)
    {
        IReadOnlyDictionary<string, double> result = RewardModelStep.Evaluate(model, eval, pad, _config.BatchSize, _config.CenterRewardsCoefficient);
        metrics.Write(step, result.ToDictionary(kv => $"eval_{kv.Key}", kv => kv.Value));
        return result;
    }

    private void SaveModel(string dir, SequenceScoreModel model) =>
        HfCheckpoint.Save(dir, model.Config, model.StateDict(), new SaveOptions { TokenizerSourceDir = _config.ModelPath });
}
