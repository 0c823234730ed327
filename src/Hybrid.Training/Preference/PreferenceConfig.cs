// Settings of an offline preference-optimisation run (DPO and its family): each with its meaning, default and source.
using Hybrid.Algorithms.Preference;

using Hybrid.Training.Stability;

namespace Hybrid.Training.Preference;

/// <summary>
/// A preference run's configuration, immutable, validated in <see cref="Validate"/> (which names the field, the value and
/// the fix). Defaults follow TRL's DPOConfig / transformers' TrainingArguments unless noted.
/// </summary>
public sealed record PreferenceConfig
{
    /// <summary>Folder of the Hugging Face checkpoint to optimise (the policy; also the reference unless <see cref="RefModelPath"/>).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Training rows, .jsonl or .csv: pairs (explicit or implicit prompt, plain or conversational), unpaired labelled
    /// completions (KTO) or K-wise rankings (RRHF). Pairs are converted when the loss reads unpaired rows or rankings.</summary>
    public required string TrainData { get; init; }

    /// <summary>Optional held-out rows: pairs or rankings give <c>eval_preference_accuracy</c>; rows of the loss's shape also give <c>eval_loss</c> and the loss's metrics.</summary>
    public string? EvalData { get; init; }

    /// <summary>Where checkpoints (<c>checkpoint-{step}/</c>), metrics (<c>metrics.jsonl</c>) and the final model go.</summary>
    public required string OutputDir { get; init; }

    /// <summary>
    /// The loss: a registered name (<c>sigmoid</c>, <c>cdpo</c>, <c>robust</c>, <c>ipo</c>, <c>hinge</c>, <c>kto</c>, <c>orpo</c>,
    /// <c>simpo</c>, <c>rdpo</c>, <c>odpo</c>, <c>rrhf</c>, <c>nll</c>) or a weighted list such as <c>sigmoid,nll:0.2</c>
    /// (DPO + NLL, Llama 3). Default <c>sigmoid</c> (TRL's loss_type).
    /// </summary>
    public string Loss { get; init; } = "sigmoid";

    /// <summary>Hyperparameters of the loss (β, ε, γ, α, λ_D, λ_U); unset ones keep each loss's paper default (β = 0.1 for DPO).</summary>
    public PreferenceLossOptions LossOptions { get; init; } = new();

    /// <summary>The reference model's checkpoint when it is not the starting policy (TRL's ref_model); null = <see cref="ModelPath"/>.</summary>
    public string? RefModelPath { get; init; }

    /// <summary>
    /// True (default here): reference log-probs are computed once per dataset before training, without gradients, and
    /// cached, so no reference model stays in memory. False: a live reference model scores every batch (TRL's
    /// <c>precompute_ref_log_probs = False</c>); the values are the same. Reference-free losses never compute either.
    /// </summary>
    public bool PrecomputeRefLogProbs { get; init; } = true;

    /// <summary>Peak learning rate; TRL's DPO default 1e-6 suits pretrained models, tiny random models need ~1e-3.</summary>
    public double LearningRate { get; init; } = 1e-6;

    /// <summary>Linear warm-up as a fraction of all optimizer steps (warmup_ratio, default 0).</summary>
    public double WarmupRatio { get; init; }

    /// <summary>AdamW decoupled weight decay λ (default 0).</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW β₁, β₂, ε (transformers' defaults 0.9, 0.999, 1e-8).</summary>
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Global-norm gradient clipping threshold (max_grad_norm, default 1.0).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// bf16 mixed precision (transformers' bf16=True): matmuls and attention compute in bf16 on fp32 master weights and
    /// optimizer state; norms, softmax statistics, log-probabilities and losses stay fp32 (see <c>Hybrid.Tensors.Autocast</c>).
    /// </summary>
    public bool Bf16 { get; init; }

    /// <summary>Where the trainer's tensors live: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c> (needs the GPU build).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Replace the contents of a non-empty <c>OutputDir</c> (otherwise such a folder is refused unless resuming).</summary>
    public bool Overwrite { get; init; }

    /// <summary>Rows (pairs, unpaired rows or rankings) per micro-batch (per_device_train_batch_size, default 8); also the eval batch size.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches whose gradients are summed before one optimizer step (default 1).</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Passes over the training rows (num_train_epochs, default 3); ignored when <see cref="MaxSteps"/> &gt; 0.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Total optimizer steps when &gt; 0, overriding <see cref="Epochs"/> (default -1).</summary>
    public int MaxSteps { get; init; } = -1;

    /// <summary>Longest prompt + response in tokens (TRL max_length, default 1024); responses are cut at the end.</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>Longest prompt in tokens; longer prompts keep their last tokens (TRL max_prompt_length, default 512).</summary>
    public int MaxPromptLength { get; init; } = 512;

    /// <summary>Log metrics every this many optimizer steps (logging_steps).</summary>
    public int LoggingSteps { get; init; } = 10;

    /// <summary>Evaluate every this many optimizer steps when eval data is given (0 = only at the end).</summary>
    public int EvalSteps { get; init; }

    /// <summary>Also evaluate before the first step (logged as step 0; not on resume). Default false.</summary>
    public bool EvalOnStart { get; init; }

    /// <summary>Save a resumable checkpoint every this many optimizer steps (0 = only the final model).</summary>
    public int SaveSteps { get; init; }

    /// <summary>Seed of the data order (per epoch) and libtorch's generator.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Shuffle the training rows each epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>A checkpoint-{step} folder to resume from: weights, optimizer, schedule, RNG and data position.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the field, its value and the fix.</summary>
    public PreferenceConfig Validate()
    {
        static void Require(bool ok, string field, object value, string fix)
        {
            if (!ok) throw new ArgumentException($"PreferenceConfig.{field} = {value}: {fix}");
        }
        Require(!string.IsNullOrWhiteSpace(Loss), nameof(Loss), $"\"{Loss}\"", "name a preference loss, e.g. sigmoid or sigmoid,nll:0.2");
        Require(TrainingLimits.IsValidLearningRate(LearningRate), nameof(LearningRate), LearningRate, "must be in (0, 1] (e.g. 1e-6 for a pretrained model)");
        Require(WarmupRatio is >= 0 and < 1, nameof(WarmupRatio), WarmupRatio, "must be in [0, 1)");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "must be finite and >= 0");
        Require(AdamBeta1 is >= 0 and < 1, nameof(AdamBeta1), AdamBeta1, "must be in [0, 1)");
        Require(AdamBeta2 is >= 0 and < 1, nameof(AdamBeta2), AdamBeta2, "must be in [0, 1)");
        Require(AdamEpsilon > 0 && double.IsFinite(AdamEpsilon), nameof(AdamEpsilon), AdamEpsilon, "must be finite and > 0");
        Require(MaxGradNorm > 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "must be finite and > 0");
        Require(BatchSize > 0, nameof(BatchSize), BatchSize, "must be > 0");
        Require(GradientAccumulationSteps > 0, nameof(GradientAccumulationSteps), GradientAccumulationSteps, "must be > 0");
        Require(MaxSteps > 0 || Epochs > 0, nameof(Epochs), Epochs, "must be > 0 unless MaxSteps > 0");
        Require(MaxLength > 1, nameof(MaxLength), MaxLength, "must be > 1 (a prompt token and a response token)");
        Require(MaxPromptLength > 0 && MaxPromptLength < MaxLength, nameof(MaxPromptLength), MaxPromptLength, $"must be in [1, MaxLength = {MaxLength}) to leave room for the response");
        Require(LoggingSteps > 0, nameof(LoggingSteps), LoggingSteps, "must be > 0");
        Require(EvalSteps >= 0, nameof(EvalSteps), EvalSteps, "must be >= 0");
        Require(SaveSteps >= 0, nameof(SaveSteps), SaveSteps, "must be >= 0");
        LossOptions.Validate();
        return this;
    }
}
