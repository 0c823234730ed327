// Reward-model training: a decoder checkpoint with a scalar score head learns human (or synthetic) preferences; loop, eval, checkpoints, resume.
using Hybrid.Training.Loop;
using Hybrid.Data;
using System.Diagnostics;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Models.Heads;
using Hybrid.Models.Lora;
using TorchSharp.Modules;
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
    IReadOnlyDictionary<string, double>? FinalEval, long NumTokens, double Seconds, string OutputDir, BestEvaluation? Best = null);

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
        using SequenceScoreModel model = LoadForTraining(c);
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();   // every parameter, or LoRA's A/B + the score head
        var names = trainable.Select(p => p.name).ToList();
        using var optimizer = c.Optimizer.Create(trainable.Select(p => p.parameter), c.LearningRate);
        using var run = TrainingRun.Start(c, "reward", train.Count, optimizer, names, log);
        TrainingLoop loop = run.Loop;
        log?.WriteLine($"[reward] {train.Count} {(train[0].Kind == PreferenceExampleKind.Paired ? "pairs" : "rankings")}, {loop.TotalSteps} steps of " +
                       $"{c.BatchSize}×{c.GradientAccumulationSteps} rows, {model.ParameterCount():N0} parameters" +
                       (c.Lora is null ? "" : $", {trainable.Sum(p => p.parameter.numel()):N0} trainable (LoRA r={c.Lora.Rank} + the score head)"));
        IReadOnlyDictionary<string, double>? initial = eval is not null && c.EvalOnStart && loop.Step == 0 ? Evaluate(model, eval, pad, 0, run.Metrics) : null;

        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, double> last = new Dictionary<string, double>();
        while (!loop.Done)
        {
            var microBatches = loop.NextStep().Select(indices => (IReadOnlyList<TokenizedPreference>)indices.Select(i => train[i]).ToList()).ToList();
            RewardStepMetrics s = RewardModelStep.Run(model, optimizer, microBatches, pad, loop.LearningRate, c.MaxGradNorm, c.CenterRewardsCoefficient);
            run.Completed(s, s.Metrics);
            last = s.Metrics;
            if (eval is not null && run.EvaluateNow) run.Evaluated(Logged(Evaluate(model, eval, pad, loop.Step, run.Metrics)), dir => SaveModel(dir, model));
            if (run.SaveNow) run.SaveCheckpoint(dir => SaveModel(dir, model));
        }
        double seconds = clock.Elapsed.TotalSeconds;
        IReadOnlyDictionary<string, double>? final = eval is null ? null : Evaluate(model, eval, pad, loop.Step, run.Metrics);
        run.SaveFinalModel(final is null ? null : Logged(final), dir => SaveModel(dir, model));   // the best evaluated model with LoadBestModelAtEnd
        log?.WriteLine($"[reward] {loop.Step} steps in {seconds:F1} s; reward model saved to {c.OutputDir}");
        return new RewardModelResult(loop.Step, last, initial, final, loop.NumTokens, seconds, c.OutputDir, run.Best);
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
        return config.WithScoreHead();
    }

    private static List<TokenizedPreference> ReadRows(string path, RewardTokenizer tokenize)
    {
        IReadOnlyList<PreferenceExample> rows = PreferenceDatasetReader.Read(path);
        if (rows[0].Kind == PreferenceExampleKind.Unpaired)
            throw new DatasetException($"{rows[0].Source}: unpaired rows (completion/label) cannot train a Bradley–Terry reward model; give pairs or rankings");
        return rows.Select(tokenize.Tokenize).ToList();
    }

    /// <summary>
    /// The model the run updates: the checkpoint (or the resumed one), or under LoRA the base with fresh adapters and a
    /// trainable score head (both restored from the checkpoint when resuming).
    /// </summary>
    private static SequenceScoreModel LoadForTraining(RewardModelConfig c)
    {
        if (c.Lora is null) return LoadModel(c.ResumeFrom ?? c.ModelPath);
        SequenceScoreModel model = LoadModel(c.ModelPath);
        try
        {
            LoraLayers.Attach(model, c.Lora);                    // freezes everything, the score head too
            Parameter score = ScoreHead(model);
            using (NewDisposeScope()) score.requires_grad_(true); // trained whole, as PEFT's modules_to_save
            if (c.ResumeFrom is not null)
            {
                Dictionary<string, Tensor> adapter = LoraAdapterFile.ReadWeights(c.ResumeFrom);
                try
                {
                    if (!adapter.Remove(LoraAdapterFile.ScoreHead, out Tensor? saved))
                        throw new CheckpointException($"{c.ResumeFrom}: the checkpoint has no score head ({LoraAdapterFile.ScoreHead})");
                    using (saved)
                    using (no_grad())
                    using (NewDisposeScope()) score.copy_(saved);
                    LoraLayers.Load(model, adapter, c.ResumeFrom);
                }
                finally { foreach (Tensor t in adapter.Values) t.Dispose(); }
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static Parameter ScoreHead(SequenceScoreModel model) => model.named_parameters().First(p => p.name == LoraAdapterFile.ScoreHead).parameter;

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
        metrics.Write(step, Logged(result));
        return result;
    }

    /// <summary>An evaluation's metrics under their logged names (eval_loss, eval_accuracy, …).</summary>
    private static Dictionary<string, double> Logged(IReadOnlyDictionary<string, double> result) =>
        result.ToDictionary(kv => $"eval_{kv.Key}", kv => kv.Value, StringComparer.Ordinal);

    /// <summary>The reward model, or under LoRA a SEQ_CLS adapter folder (A/B and the score head) naming the base.</summary>
    private void SaveModel(string dir, SequenceScoreModel model)
    {
        if (_config.Lora is { } lora)
            HfCheckpoint.SaveAdapter(dir, lora, Path.GetFullPath(_config.ModelPath),
                LoraLayers.AdapterState(model).Append(KeyValuePair.Create(LoraAdapterFile.ScoreHead, (Tensor)ScoreHead(model))), _config.ModelPath, sequenceClassifier: true);
        else
            HfCheckpoint.Save(dir, model.Config, model.StateDict(), new SaveOptions { TokenizerSourceDir = _config.ModelPath });
    }
}
