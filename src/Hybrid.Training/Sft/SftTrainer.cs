// Supervised fine-tuning of a Hugging Face decoder checkpoint: the training loop, evaluation, checkpoints and resume.
using Hybrid.Data;
using System.Diagnostics;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Decoder;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Metrics;
using Hybrid.Training.Stability;
using Hybrid.Training.Output;

namespace Hybrid.Training.Sft;

/// <summary>What a finished run reports.</summary>
public sealed record SftResult(long Steps, double TrainLoss, double? EvalLoss, double? EvalMeanTokenAccuracy, long NumTokens, double TokensPerSecond, string OutputDir);

/// <summary>
/// Fine-tunes <see cref="SftConfig.ModelPath"/> on <see cref="SftConfig.TrainData"/> with AdamW, warm-up + cosine learning
/// rate, global-norm clipping and gradient accumulation, as TRL's SFTTrainer does; logs <c>loss</c>,
/// <c>mean_token_accuracy</c>, <c>num_tokens</c>, <c>grad_norm</c>, <c>learning_rate</c> (and <c>eval_*</c>) to
/// <c>{OutputDir}/metrics.jsonl</c>. Every row is read and tokenized before anything is written, so a bad row fails the
/// run with its file and line and leaves no output behind.
/// </summary>
public sealed class SftTrainer(SftConfig config, TextWriter? log = null)
{
    private readonly SftConfig _config = config.Validate();

    public SftResult Train()
    {
        SftConfig c = _config;
        using var autocast = Autocast.Enable(c.Bf16 ? torch.ScalarType.BFloat16 : null);  // bf16 mixed precision, or nothing
        using var onDevice = TorchDevice.Use(TorchDevice.Parse(c.Device));  // models and batches are created there
        // ---- data: read and tokenize everything first ------------------------------------------------------------------
        using Tokenizer tokenizer = Tokenizer.Open(c.ModelPath);
        int eos = tokenizer.EosTokenId ?? throw new InvalidOperationException($"{c.ModelPath}: the tokenizer names no eos_token");
        int pad = tokenizer.PadTokenId ?? eos;
        var sft = new SftTokenizer(tokenizer.Encode, eos, ChatSegments, c.MaxLength, c.CompletionOnlyLoss, c.AssistantOnlyLoss);
        List<TokenizedExample> train = SftDatasetReader.Read(c.TrainData).Select(sft.Tokenize).ToList();
        List<TokenizedExample>? eval = c.EvalData is null ? null : SftDatasetReader.Read(c.EvalData).Select(sft.Tokenize).ToList();

        // ---- model, optimizer, schedule, position --------------------------------------------------------------------
        string weightsFrom = c.ResumeFrom ?? c.ModelPath;
        using DecoderModel model = LoadModel(weightsFrom, out GenerationConfig? generation);
        var names = model.named_parameters().Select(p => p.name).ToList();
        using var optimizer = new AdamW(model.parameters(), c.LearningRate, c.AdamBeta1, c.AdamBeta2, c.AdamEpsilon, c.WeightDecay);
        long microBatchesPerEpoch = (train.Count + c.BatchSize - 1) / c.BatchSize;
        long stepsPerEpoch = (microBatchesPerEpoch + c.GradientAccumulationSteps - 1) / c.GradientAccumulationSteps;
        long totalSteps = c.MaxSteps > 0 ? c.MaxSteps : stepsPerEpoch * c.Epochs;
        var schedule = new WarmupCosineSchedule(c.LearningRate, (long)Math.Ceiling(c.WarmupRatio * totalSteps), totalSteps);
        TensorUtil.ManualSeed(c.Seed);
        var order = new DataOrder(train.Count, c.Seed, c.Shuffle);
        long step = 0, numTokens = 0;
        string dataSha256 = DatasetFile.Sha256(c.TrainData);
        if (c.ResumeFrom is not null)
        {
            TrainerState state = TrainerState.Load(c.ResumeFrom);
            state.CheckResumable(c.ResumeFrom, totalSteps, c.Seed, train.Count, dataSha256);
            OptimizerCheckpoint.Load(c.ResumeFrom, optimizer, names);
            order = new DataOrder(train.Count, c.Seed, c.Shuffle, state.Epoch, state.Index);
            (step, numTokens) = (state.GlobalStep, state.NumTokens);
            TensorUtil.SetRngState(Convert.FromBase64String(state.RngState));
            log?.WriteLine($"[sft] resumed from {c.ResumeFrom} at step {step} (epoch {state.Epoch}, row {state.Index})");
        }

        using var folder = RunFolder.Claim(c.OutputDir, "sft", c.Overwrite, c.ResumeFrom is null ? null : step);
        using var metrics = new MetricsLog(Path.Combine(c.OutputDir, "metrics.jsonl"), log);
        log?.WriteLine($"[sft] {train.Count} rows, {totalSteps} steps of {c.BatchSize}×{c.GradientAccumulationSteps} rows, " +
                       $"{model.ParameterCount():N0} parameters");

        // ---- the loop -------------------------------------------------------------------------------------------------
        var clock = Stopwatch.StartNew();
        long tokensThisRun = 0;
        double lastLoss = double.NaN;
        var guard = new DivergenceGuard("sft");
        while (step < totalSteps)
        {
            var microBatches = new List<IReadOnlyList<TokenizedExample>>();
            for (int m = 0; m < c.GradientAccumulationSteps; m++)
            {
                if (order.EpochDone)
                {
                    if (microBatches.Count > 0) break;  // an epoch's last step may accumulate fewer micro-batches
                    order.NextEpoch();
                }
                microBatches.Add(order.NextBatch(c.BatchSize).Select(i => train[i]).ToList());
            }
            SftStepMetrics s = SftStep.Run(model, optimizer, microBatches, pad, schedule.LearningRateAt(step), c.MaxGradNorm);
            step++;
            guard.Record(s.Applied, step, s.Loss, s.GradNorm);
            numTokens += s.NumTokens;
            tokensThisRun += s.NumTokens;
            lastLoss = s.Loss;
            if (step % c.LoggingSteps == 0 || step == totalSteps)
                metrics.Write(step, new Dictionary<string, double>
                {
                    ["loss"] = s.Loss, ["mean_token_accuracy"] = s.MeanTokenAccuracy, ["num_tokens"] = numTokens,
                    ["grad_norm"] = s.GradNorm, ["learning_rate"] = s.LearningRate, ["skipped_steps"] = guard.SkippedSteps,
                    ["epoch"] = order.Epoch + (double)order.Index / train.Count,
                });
            if (eval is not null && c.EvalSteps > 0 && step % c.EvalSteps == 0 && step != totalSteps) Evaluate(model, eval, pad, step, metrics);
            if (c.SaveSteps > 0 && step % c.SaveSteps == 0 && step != totalSteps)
                SaveCheckpoint(Path.Combine(c.OutputDir, $"checkpoint-{step}"), model, generation, optimizer, names,
                    new TrainerState(step, totalSteps, order.Epoch, order.Index, numTokens, c.Seed, Convert.ToBase64String(TensorUtil.GetRngState()),
                                     train.Count, dataSha256));
        }
        double seconds = clock.Elapsed.TotalSeconds;

        (double Loss, double Accuracy)? final = eval is null ? null : Evaluate(model, eval, pad, step, metrics);
        SaveModel(c.OutputDir, model, generation);
        log?.WriteLine($"[sft] {step} steps, {tokensThisRun / Math.Max(seconds, 1e-9):F0} tokens/s; model saved to {c.OutputDir}");
        return new SftResult(step, lastLoss, final?.Loss, final?.Accuracy, numTokens, tokensThisRun / Math.Max(seconds, 1e-9), c.OutputDir);
    }

    /// <summary>Splits a ChatML conversation into text segments, flagging assistant content and its closing marker.</summary>
    internal static IReadOnlyList<(string Text, bool IsAssistant)> ChatSegments(IReadOnlyList<ChatMessage> messages)
    {
        RenderedChat chat = ChatTemplate.Render(messages);
        var segments = new List<(string, bool)>();
        int at = 0;
        foreach (AssistantSpan span in chat.AssistantSpans)
        {
            segments.Add((chat.Text[at..span.ContentStart], false));
            segments.Add((chat.Text[span.ContentStart..span.End], true));
            at = span.End;
        }
        segments.Add((chat.Text[at..], false));
        return segments;
    }

    private static DecoderModel LoadModel(string dir, out GenerationConfig? generation)
    {
        using LoadedCheckpoint checkpoint = HfCheckpoint.Load(dir);
        generation = checkpoint.Generation;
        var model = new DecoderModel(checkpoint.Config);
        model.LoadStateDict(checkpoint.Tensors);
        return model;
    }

    private (double, double) Evaluate(DecoderModel model, List<TokenizedExample> eval, int pad, long step, MetricsLog metrics)
    {
        var (loss, accuracy) = SftStep.Evaluate(model, eval, pad, _config.BatchSize);
        metrics.Write(step, new Dictionary<string, double> { ["eval_loss"] = loss, ["eval_mean_token_accuracy"] = accuracy });
        return (loss, accuracy);
    }

    private void SaveModel(string dir, DecoderModel model, GenerationConfig? generation) =>
        HfCheckpoint.Save(dir, model.Config, model.StateDict(), new SaveOptions { TokenizerSourceDir = _config.ModelPath, Generation = generation });

    /// <summary>Writes weights, optimizer, and trainer state into a temporary folder renamed to <paramref name="dir"/> at the end.</summary>
    private void SaveCheckpoint(string dir, DecoderModel model, GenerationConfig? generation, AdamW optimizer, IReadOnlyList<string> names, TrainerState state)
    {
        string temp = dir + ".tmp";
        if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        SaveModel(temp, model, generation);
        OptimizerCheckpoint.Save(temp, optimizer, names);
        state.Save(temp);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        Directory.Move(temp, dir);
        log?.WriteLine($"[sft] checkpoint {dir}");
    }
}
