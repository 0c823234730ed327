// Supervised fine-tuning of a Hugging Face decoder checkpoint: the training loop, evaluation, checkpoints and resume.
using Hybrid.Training.Loop;
using Hybrid.Data;
using System.Diagnostics;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Decoder;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Metrics;
using Hybrid.Training.Stability;
using Hybrid.Training.Output;

namespace Hybrid.Training.Sft;

/// <summary>What a finished run reports.</summary>
/// <summary>What a finished run reports; <paramref name="Best"/> with LoadBestModelAtEnd (the eval figures are the last weights').</summary>
public sealed record SftResult(long Steps, double TrainLoss, double? EvalLoss, double? EvalMeanTokenAccuracy, long NumTokens, double TokensPerSecond, string OutputDir,
    BestEvaluation? Best = null);

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
        using var onDevice = c.UseDeviceAndPrecision();   // models and batches are created on --device; bf16 autocast with --bf16
        // ---- data: read and tokenize everything first ------------------------------------------------------------------
        using Tokenizer tokenizer = Tokenizer.Open(c.ModelPath);
        int eos = tokenizer.EosTokenId ?? throw new InvalidOperationException($"{c.ModelPath}: the tokenizer names no eos_token");
        int pad = tokenizer.PadTokenId ?? eos;
        var sft = new SftTokenizer(tokenizer.Encode, eos, ChatSegments, c.MaxLength, c.CompletionOnlyLoss, c.AssistantOnlyLoss);
        List<TokenizedExample> train = SftDatasetReader.Read(c.TrainData).Select(sft.Tokenize).ToList();
        List<TokenizedExample>? eval = c.EvalData is null ? null : SftDatasetReader.Read(c.EvalData).Select(sft.Tokenize).ToList();

        // ---- model, optimizer, schedule, position --------------------------------------------------------------------
        using DecoderModel model = CausalLmCheckpoint.LoadForTraining(c, "SFT", out GenerationConfig? generation);
        var (trainable, names) = CausalLmCheckpoint.Trainable(model);            // every parameter, or the LoRA matrices
        using var optimizer = c.Optimizer.Create(trainable, c.LearningRate);
        using var run = TrainingRun.Start(c, "sft", train.Count, optimizer, names, log);
        TrainingLoop loop = run.Loop;
        log?.WriteLine($"[sft] {train.Count} rows, {loop.TotalSteps} steps of {c.BatchSize}×{c.GradientAccumulationSteps} rows, " +
                       $"{model.ParameterCount():N0} parameters" + (c.Lora is null ? "" : $", {trainable.Sum(p => p.numel()):N0} trainable (LoRA r={c.Lora.Rank})"));

        // ---- the loop -------------------------------------------------------------------------------------------------
        var clock = Stopwatch.StartNew();
        long tokensThisRun = 0;
        double lastLoss = double.NaN;
        while (!loop.Done)
        {
            var microBatches = loop.NextStep().Select(rows => (IReadOnlyList<TokenizedExample>)rows.Select(i => train[i]).ToList()).ToList();
            SftStepMetrics s = SftStep.Run(model, optimizer, microBatches, pad, loop.LearningRate, c.MaxGradNorm);
            run.Completed(s, new Dictionary<string, double> { ["mean_token_accuracy"] = s.MeanTokenAccuracy });
            tokensThisRun += s.NumTokens;
            lastLoss = s.Loss;
            if (eval is not null && run.EvaluateNow) run.Evaluated(Evaluate(model, eval, pad, loop.Step, run.Metrics), dir => SaveModel(dir, model, generation));
            if (run.SaveNow) run.SaveCheckpoint(dir => SaveModel(dir, model, generation));
        }
        double seconds = clock.Elapsed.TotalSeconds;

        IReadOnlyDictionary<string, double>? final = eval is null ? null : Evaluate(model, eval, pad, loop.Step, run.Metrics);
        run.SaveFinalModel(final, dir => SaveModel(dir, model, generation));   // the best evaluated model with LoadBestModelAtEnd
        log?.WriteLine($"[sft] {loop.Step} steps, {tokensThisRun / Math.Max(seconds, 1e-9):F0} tokens/s; model saved to {c.OutputDir}");
        return new SftResult(loop.Step, lastLoss, final?["eval_loss"], final?["eval_mean_token_accuracy"], loop.NumTokens,
            tokensThisRun / Math.Max(seconds, 1e-9), c.OutputDir, run.Best);
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

    /// <summary>eval_loss and eval_mean_token_accuracy of <paramref name="eval"/>, logged at <paramref name="step"/> and returned.</summary>
    private Dictionary<string, double> Evaluate(DecoderModel model, List<TokenizedExample> eval, int pad, long step, MetricsLog metrics)
    {
        var (loss, accuracy) = SftStep.Evaluate(model, eval, pad, _config.BatchSize);
        var row = new Dictionary<string, double>(StringComparer.Ordinal) { ["eval_loss"] = loss, ["eval_mean_token_accuracy"] = accuracy };
        metrics.Write(step, row);
        return row;
    }

    private void SaveModel(string dir, DecoderModel model, GenerationConfig? generation) => CausalLmCheckpoint.SaveTrained(dir, model, _config, generation);
}
