// One offline training run around its loop: start (seed, resume, claim --out, open metrics), per-step bookkeeping, checkpoints.
using Hybrid.Data;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Metrics;
using Hybrid.Training.Output;
using Hybrid.Training.Stability;

namespace Hybrid.Training.Loop;

/// <summary>What every offline trainer step reports to its run (SFT, preference and reward-model steps).</summary>
public interface ITrainingStepResult
{
    double Loss { get; }
    double GradNorm { get; }
    double LearningRate { get; }
    long NumTokens { get; }

    /// <summary>False when the step was refused (non-finite loss or gradient) and the weights were left as they were.</summary>
    bool Applied { get; }
}

/// <summary>
/// The scaffold the SFT, preference and reward-model trainers share, so each trainer's <c>Train</c> keeps only what is
/// its own (data, model, step, evaluation):
/// <code>
/// using var run = TrainingRun.Start(args, "sft", rows, optimizer, names, log);   // seed → resume → claim --out → metrics.jsonl
/// while (!run.Loop.Done)
/// {
///     var step = XStep.Run(…, run.Loop.NextStep(), run.Loop.LearningRate, …);
///     run.Completed(step, stepMetrics);                                          // position, divergence guard, log row
///     if (run.EvaluateNow) …;
///     if (run.SaveNow) run.SaveCheckpoint(saveModel);
/// }
/// </code>
/// </summary>
internal sealed class TrainingRun : IDisposable
{
    private readonly TrainingArguments _args;
    private readonly string _tag;
    private readonly AdamW _optimizer;
    private readonly IReadOnlyList<string> _parameterNames;
    private readonly TextWriter? _log;
    private readonly RunFolder _folder;
    private readonly BestModel? _best;   // with LoadBestModelAtEnd

    private TrainingRun(TrainingArguments args, string tag, TrainingLoop loop, AdamW optimizer, IReadOnlyList<string> parameterNames, TextWriter? log)
    {
        (_args, _tag, Loop, _optimizer, _parameterNames, _log) = (args, tag, loop, optimizer, parameterNames, log);
        _folder = RunFolder.Claim(args.OutputDir, tag, args.Overwrite, args.ResumeFrom is null ? null : loop.Step);
        try
        {
            Metrics = new MetricsLog(Path.Combine(args.OutputDir, "metrics.jsonl"), log);
            _best = args.LoadBestModelAtEnd ? BestModel.Open(args, args.ResumeFrom is null ? null : loop.Step) : null;
        }
        catch
        {
            Metrics?.Dispose();
            _folder.Dispose();
            throw;
        }
        Guard = new DivergenceGuard(tag);
    }

    public TrainingLoop Loop { get; }
    public MetricsLog Metrics { get; }
    public DivergenceGuard Guard { get; }

    /// <summary>
    /// Builds the loop for <paramref name="rows"/> training rows from <paramref name="args"/>, seeds libtorch's generator,
    /// resumes from <see cref="TrainingArguments.ResumeFrom"/> (weights are the caller's: it loaded them from there), then
    /// claims <see cref="TrainingArguments.OutputDir"/> and opens its <c>metrics.jsonl</c>. Call it after every row is read
    /// and tokenized, so bad data fails before anything is written. <paramref name="tag"/> is the command (sft, dpo, reward).
    /// </summary>
    public static TrainingRun Start(TrainingArguments args, string tag, int rows, AdamW optimizer, IReadOnlyList<string> parameterNames, TextWriter? log)
    {
        var loop = new TrainingLoop(rows, args.BatchSize, args.GradientAccumulationSteps, args.Epochs, args.MaxSteps, args.WarmupRatio,
            args.LearningRate, args.Seed, args.Shuffle) { DataSha256 = DatasetFile.Sha256(args.TrainData) };
        TensorUtil.ManualSeed(args.Seed);
        if (args.ResumeFrom is not null)
        {
            loop.Resume(args.ResumeFrom, optimizer, parameterNames);
            log?.WriteLine($"[{tag}] resumed from {args.ResumeFrom} at step {loop.Step} (epoch {loop.Order.Epoch}, row {loop.Order.Index})");
        }
        var run = new TrainingRun(args, tag, loop, optimizer, parameterNames, log);
        IProgressSink.Announce(log, tag, loop.TotalSteps, loop.Step);
        return run;
    }

    /// <summary>
    /// Records a finished optimizer step: advances the loop, feeds the divergence guard (which stops a run that keeps
    /// refusing steps), and at logging steps (and the last) writes <paramref name="stepMetrics"/> with <c>loss</c>,
    /// <c>grad_norm</c>, <c>learning_rate</c>, <c>num_tokens</c>, <c>epoch</c> and <c>skipped_steps</c>.
    /// </summary>
    public void Completed(ITrainingStepResult step, IReadOnlyDictionary<string, double> stepMetrics)
    {
        Loop.Completed(step.NumTokens);
        Guard.Record(step.Applied, Loop.Step, step.Loss, step.GradNorm);
        if (Loop.Step % _args.LoggingSteps != 0 && !Loop.Done) return;
        Metrics.Write(Loop.Step, new Dictionary<string, double>(stepMetrics, StringComparer.Ordinal)
        {
            ["loss"] = step.Loss, ["grad_norm"] = step.GradNorm, ["learning_rate"] = step.LearningRate,
            ["num_tokens"] = Loop.NumTokens, ["epoch"] = Loop.Epoch, ["skipped_steps"] = Guard.SkippedSteps,
        });
    }

    /// <summary>An evaluation is due (every <see cref="TrainingArguments.EvalSteps"/>; the final one is the trainer's).</summary>
    public bool EvaluateNow => _args.EvalSteps > 0 && Loop.Step % _args.EvalSteps == 0 && !Loop.Done;

    /// <summary>A checkpoint is due (every <see cref="TrainingArguments.SaveSteps"/>; the final model is the trainer's).</summary>
    public bool SaveNow => _args.SaveSteps > 0 && Loop.Step % _args.SaveSteps == 0 && !Loop.Done;

    /// <summary>
    /// Writes <c>checkpoint-{step}</c>: <paramref name="saveModel"/> writes the weights, then optimizer and trainer state
    /// join them; then the oldest beyond <see cref="TrainingArguments.SaveTotalLimit"/> go.
    /// </summary>
    public void SaveCheckpoint(Action<string> saveModel) =>
        Loop.SaveCheckpoint(_args.OutputDir, saveModel, _optimizer, _parameterNames, _log, _tag, _args.SaveTotalLimit);

    /// <summary>
    /// Records an evaluation during the loop (<paramref name="row"/>: the metrics it logged). With
    /// <see cref="TrainingArguments.LoadBestModelAtEnd"/>, a new best <see cref="TrainingArguments.MetricForBestModel"/>
    /// writes the model to <c>{OutputDir}/best-model-{step}/</c> through <paramref name="saveModel"/>.
    /// </summary>
    public void Evaluated(IReadOnlyDictionary<string, double> row, Action<string> saveModel)
    {
        if (_best is null || !_best.Improves(row)) return;
        _best.Save(Loop.Step, row, saveModel);
        _log?.WriteLine($"[{_tag}] {_args.BestModelMetric} {row[_args.BestModelMetric]:G6} at step {Loop.Step}: the best so far, in {BestModel.FolderPrefix}{Loop.Step}/");
    }

    /// <summary>
    /// Writes the run's model to <see cref="TrainingArguments.OutputDir"/>: the current weights, or with
    /// <see cref="TrainingArguments.LoadBestModelAtEnd"/> the best evaluated ones (<paramref name="finalEvaluation"/>, the
    /// final evaluation's row, competes too), logged as <c>best_metric</c> and <c>best_global_step</c>.
    /// </summary>
    public void SaveFinalModel(IReadOnlyDictionary<string, double>? finalEvaluation, Action<string> saveModel)
    {
        if (_best is null || finalEvaluation is null) saveModel(_args.OutputDir);
        else _best.Finish(_args.OutputDir, Loop.Step, finalEvaluation, saveModel);
        if (_best?.Step is long bestStep)
        {
            Metrics.Write(Loop.Step, new Dictionary<string, double> { ["best_metric"] = _best.Value, ["best_global_step"] = bestStep });
            _log?.WriteLine($"[{_tag}] best {_args.BestModelMetric} {_best.Value:G6} at step {bestStep} of {Loop.Step}: that model is the one saved");
        }
        _best?.Discard();
    }

    /// <summary>After <see cref="SaveFinalModel"/> with <see cref="TrainingArguments.LoadBestModelAtEnd"/>: the evaluation whose model was saved.</summary>
    public BestEvaluation? Best => _best?.Step is long step ? new BestEvaluation(_args.BestModelMetric, step, _best.Value) : null;

    public void Dispose()
    {
        Metrics.Dispose();
        _folder.Dispose();
    }
}
