// The settings every offline trainer shares (transformers' TrainingArguments): data, output, optimizer, schedule, loop.
using Hybrid.Models.Lora;
using Hybrid.Training.Stability;

namespace Hybrid.Training.Loop;

/// <summary>
/// The part of <c>SftConfig</c>, <c>PreferenceConfig</c> and <c>RewardModelConfig</c> that is the same for all three —
/// declared and validated once here. Defaults follow transformers' TrainingArguments unless noted; a trainer sets its
/// own learning rate and epoch defaults through the base constructor (SFT 2e-5 × 3 epochs, DPO 1e-6 × 3, RM 1e-5 × 1).
/// Validation errors name the concrete config and field (<c>SftConfig.LearningRate = 5: …</c>); the CLI shows them as flags.
/// </summary>
public abstract record TrainingArguments : RunSettings
{
    /// <summary>The trainer's own defaults for the two fields whose usual values differ by method.</summary>
    protected TrainingArguments(double defaultLearningRate, int defaultEpochs) => (LearningRate, Epochs) = (defaultLearningRate, defaultEpochs);

    /// <summary>Folder of the Hugging Face checkpoint to start from (config.json, *.safetensors, tokenizer files).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Training rows: .jsonl or .csv in one of the trainer's TRL shapes.</summary>
    public required string TrainData { get; init; }

    /// <summary>Optional held-out rows, evaluated every <see cref="EvalSteps"/> and at the end.</summary>
    public string? EvalData { get; init; }

    /// <summary>Where checkpoints (<c>checkpoint-{step}/</c>), metrics (<c>metrics.jsonl</c>) and the final model go.</summary>
    public required string OutputDir { get; init; }

    /// <summary>Peak learning rate (the trainer's default; tiny random models need ~1e-3).</summary>
    public double LearningRate { get; init; }

    /// <summary>Linear warm-up as a fraction of all optimizer steps (warmup_ratio, default 0), then cosine decay to 0.</summary>
    public double WarmupRatio { get; init; }

    /// <summary>AdamW decoupled weight decay λ (default 0).</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW β₁, β₂, ε (defaults 0.9, 0.999, 1e-8).</summary>
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Global-norm gradient clipping threshold (max_grad_norm, default 1.0).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// bf16 mixed precision (bf16=True): matmuls and attention compute in bf16 on fp32 master weights and optimizer state;
    /// norms, softmax statistics, log-probabilities and losses stay fp32 (see <c>Hybrid.Tensors.Autocast</c>).
    /// </summary>
    public bool Bf16 { get; init; }

    /// <summary>Where the trainer's tensors live: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c> (needs the GPU build).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Replace the contents of a non-empty <see cref="OutputDir"/> (otherwise such a folder is refused unless resuming).</summary>
    public bool Overwrite { get; init; }

    /// <summary>Rows per micro-batch (per_device_train_batch_size, default 8).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches whose gradients are summed before one optimizer step (default 1).</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Passes over the training data (num_train_epochs; the trainer's default); ignored when <see cref="MaxSteps"/> &gt; 0.</summary>
    public int Epochs { get; init; }

    /// <summary>Total optimizer steps when &gt; 0, overriding <see cref="Epochs"/> (default -1: use epochs).</summary>
    public int MaxSteps { get; init; } = -1;

    /// <summary>Longest tokenized row (max_length, default 1024); longer ones are truncated as the trainer documents.</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>Log metrics every this many optimizer steps (logging_steps, default 10).</summary>
    public int LoggingSteps { get; init; } = 10;

    /// <summary>Evaluate every this many optimizer steps when eval data is given (eval_steps; 0 = only at the end).</summary>
    public int EvalSteps { get; init; }

    /// <summary>Save a resumable checkpoint every this many optimizer steps (save_steps; 0 = only the final model).</summary>
    public int SaveSteps { get; init; }

    /// <summary>Keep at most this many checkpoints, the newest (save_total_limit; null = every one).</summary>
    public int? SaveTotalLimit { get; init; }

    /// <summary>
    /// Keep the best evaluated model instead of the last (load_best_model_at_end, default false): each evaluation every
    /// <see cref="EvalSteps"/> and the final one are compared on <see cref="MetricForBestModel"/>, the best so far is
    /// written to <c>{OutputDir}/best-model-{step}/</c>, and the run's final model is that one (the folder is then
    /// removed). Needs <see cref="EvalData"/> and <see cref="EvalSteps"/> &gt; 0.
    /// </summary>
    public bool LoadBestModelAtEnd { get; init; }

    /// <summary>The logged evaluation metric that chooses the best model (metric_for_best_model, default eval_loss; "eval_" may be left out).</summary>
    public string MetricForBestModel { get; init; } = "eval_loss";

    /// <summary>Whether a larger <see cref="MetricForBestModel"/> is better (greater_is_better); null = unless the name ends in "loss".</summary>
    public bool? GreaterIsBetter { get; init; }

    /// <summary><see cref="MetricForBestModel"/> as logged: with its "eval_" prefix.</summary>
    public string BestModelMetric => MetricForBestModel.StartsWith("eval_", StringComparison.Ordinal) ? MetricForBestModel : "eval_" + MetricForBestModel;

    /// <summary>Whether larger values of <see cref="BestModelMetric"/> win: <see cref="GreaterIsBetter"/>, else not for a loss.</summary>
    public bool BestModelMetricGreaterIsBetter => GreaterIsBetter ?? !BestModelMetric.EndsWith("loss", StringComparison.Ordinal);

    /// <summary>
    /// The metrics every evaluation of this trainer logs (<see cref="MetricForBestModel"/> is checked against them in
    /// validation), or null when they depend on the data: the trainer then calls <see cref="CheckBestModelMetric"/>
    /// before it starts (and every evaluation checks again).
    /// </summary>
    protected virtual IReadOnlyList<string>? EvalMetricNames => null;

    /// <summary>Seed of the data order (per epoch), any new weights and libtorch's generator (default 42).</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Shuffle the training rows each epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>
    /// LoRA (Hu et al. 2021) instead of full fine-tuning when set: the checkpoint is frozen and adapters on
    /// <see cref="LoraConfig.TargetModules"/> are trained; the output is a PEFT adapter folder naming
    /// <see cref="ModelPath"/> as its base. Null (default): every parameter is trained.
    /// </summary>
    public LoraConfig? Lora { get; init; }

    /// <summary>A checkpoint-{step} folder to resume from: weights, optimizer, schedule, RNG and data position.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>The AdamW settings and warm-up of these arguments, as one record (what builds the optimizer).</summary>
    public OptimizerSettings Optimizer => new()
    {
        AdamBeta1 = AdamBeta1, AdamBeta2 = AdamBeta2, AdamEpsilon = AdamEpsilon, WeightDecay = WeightDecay, WarmupRatio = WarmupRatio,
    };

    /// <summary>
    /// Makes <see cref="Device"/> libtorch's default device (models and batches are created there) and turns on bf16
    /// autocast when <see cref="Bf16"/>, both until the result is disposed: a trainer's first line.
    /// </summary>
    public IDisposable UseDeviceAndPrecision() => new DeviceAndPrecision(Autocast.Enable(Bf16 ? ScalarType.BFloat16 : null), TorchDevice.Use(TorchDevice.Parse(Device)));

    private sealed class DeviceAndPrecision(Autocast.Region autocast, TorchDevice.Scope device) : IDisposable
    {
        public void Dispose()
        {
            device.Dispose();
            autocast.Dispose();
        }
    }

    /// <summary>
    /// With <see cref="LoadBestModelAtEnd"/>, throws naming <see cref="MetricForBestModel"/> unless <paramref name="logged"/>
    /// (the names an evaluation of this run logs) holds it; for trainers whose names depend on the data.
    /// </summary>
    public void CheckBestModelMetric(IEnumerable<string> logged)
    {
        string[] names = logged.Order(StringComparer.Ordinal).ToArray();
        Require(!LoadBestModelAtEnd || names.Contains(BestModelMetric), nameof(MetricForBestModel), MetricForBestModel,
            $"this run's evaluations log {string.Join(", ", names)}");
    }

    /// <summary>Throws an <see cref="ArgumentException"/> "<c>{Config}.{field} = {value}: {fix}</c>" for the first bad shared field.</summary>
    protected void ValidateArguments()
    {
        Require(TrainingLimits.IsValidLearningRate(LearningRate), nameof(LearningRate), LearningRate, "must be in (0, 1] (fine-tuning uses 1e-7–1e-3)");
        Optimizer.Validate(GetType().Name);   // β₁, β₂, ε, weight decay, warm-up: the checks RL's settings get too
        Require(MaxGradNorm > 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "must be finite and > 0");
        Require(BatchSize > 0, nameof(BatchSize), BatchSize, "must be > 0");
        Require(GradientAccumulationSteps > 0, nameof(GradientAccumulationSteps), GradientAccumulationSteps, "must be > 0");
        Require(MaxSteps > 0 || Epochs > 0, nameof(Epochs), Epochs, "must be > 0 unless MaxSteps > 0");
        Require(MaxLength > 1, nameof(MaxLength), MaxLength, "must be > 1 (a prompt or context token and a target token)");
        Require(LoggingSteps > 0, nameof(LoggingSteps), LoggingSteps, "must be > 0");
        Lora?.Validate();
        Require(EvalSteps >= 0, nameof(EvalSteps), EvalSteps, "must be >= 0");
        Require(SaveSteps >= 0, nameof(SaveSteps), SaveSteps, "must be >= 0");
        Require(SaveTotalLimit is null or >= 1, nameof(SaveTotalLimit), SaveTotalLimit, "must be >= 1 (the newest checkpoints kept; leave it out to keep every one)");
        Require(!LoadBestModelAtEnd || (EvalData is not null && EvalSteps > 0), nameof(LoadBestModelAtEnd), LoadBestModelAtEnd,
            $"needs {GetType().Name}.{nameof(EvalData)} (held-out rows) and {GetType().Name}.{nameof(EvalSteps)} > 0 (how often to evaluate) to have evaluations to choose from");
        Require(!string.IsNullOrWhiteSpace(MetricForBestModel), nameof(MetricForBestModel), $"\"{MetricForBestModel}\"", "name a logged evaluation metric, e.g. eval_loss");
        Require(!LoadBestModelAtEnd || EvalMetricNames is not { } known || known.Contains(BestModelMetric), nameof(MetricForBestModel), MetricForBestModel,
            $"this trainer's evaluations log {string.Join(", ", EvalMetricNames ?? [])}");
    }
}
