// Settings of a supervised fine-tuning run: each with its meaning, default and where the default comes from.
using Hybrid.Training.Stability;

namespace Hybrid.Training.Sft;

/// <summary>
/// An SFT run's configuration, immutable, validated in <see cref="Validate"/> (which names the field, the value and the fix).
/// Defaults follow TRL's SFTConfig / transformers' TrainingArguments unless noted.
/// </summary>
public sealed record SftConfig
{
    /// <summary>Folder of the Hugging Face checkpoint to fine-tune (config.json, *.safetensors, tokenizer files).</summary>
    public required string ModelPath { get; init; }

    /// <summary>Training data: .jsonl or .csv in a TRL shape (text | prompt+completion | messages).</summary>
    public required string TrainData { get; init; }

    /// <summary>Optional held-out data for <c>eval_loss</c> / <c>eval_mean_token_accuracy</c>.</summary>
    public string? EvalData { get; init; }

    /// <summary>Where checkpoints (<c>checkpoint-{step}/</c>), metrics (<c>metrics.jsonl</c>) and the final model go.</summary>
    public required string OutputDir { get; init; }

    /// <summary>Peak learning rate; TRL's SFT default 2e-5 suits pretrained models, tiny random models need ~1e-3.</summary>
    public double LearningRate { get; init; } = 2e-5;

    /// <summary>Linear warm-up as a fraction of all optimizer steps (transformers' warmup_ratio, default 0).</summary>
    public double WarmupRatio { get; init; }

    /// <summary>AdamW decoupled weight decay λ (transformers' default 0).</summary>
    public double WeightDecay { get; init; }

    /// <summary>AdamW β₁, β₂, ε (transformers' defaults 0.9, 0.999, 1e-8).</summary>
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;

    /// <summary>Global-norm gradient clipping threshold (transformers' max_grad_norm, default 1.0).</summary>
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

    /// <summary>Examples per micro-batch (per_device_train_batch_size, default 8).</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches whose gradients are summed before one optimizer step (default 1).</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Passes over the training data (num_train_epochs, default 3); ignored when <see cref="MaxSteps"/> &gt; 0.</summary>
    public int Epochs { get; init; } = 3;

    /// <summary>Total optimizer steps when &gt; 0, overriding <see cref="Epochs"/> (default -1: use epochs).</summary>
    public int MaxSteps { get; init; } = -1;

    /// <summary>Longer tokenized examples are truncated to this many tokens (TRL max_length, default 1024).</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>
    /// Train only on completion tokens of prompt/completion data (TRL completion_only_loss; default true). Prompt tokens
    /// then contribute exactly zero loss and gradient.
    /// </summary>
    public bool CompletionOnlyLoss { get; init; } = true;

    /// <summary>Train only on assistant turns of conversational data (TRL assistant_only_loss; default true here).</summary>
    public bool AssistantOnlyLoss { get; init; } = true;

    /// <summary>Log metrics every this many optimizer steps (logging_steps).</summary>
    public int LoggingSteps { get; init; } = 10;

    /// <summary>Evaluate every this many optimizer steps when eval data is given (eval_steps; 0 = only at the end).</summary>
    public int EvalSteps { get; init; }

    /// <summary>Save a resumable checkpoint every this many optimizer steps (save_steps; 0 = only the final model).</summary>
    public int SaveSteps { get; init; }

    /// <summary>Seed for weight-independent randomness: data order (per epoch) and libtorch's generator.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Shuffle the training rows each epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>A checkpoint-{step} folder to resume from: weights, optimizer, schedule, RNG and data position.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the field, its value and the fix.</summary>
    public SftConfig Validate()
    {
        static void Require(bool ok, string field, object value, string fix)
        {
            if (!ok) throw new ArgumentException($"SftConfig.{field} = {value}: {fix}");
        }
        Require(TrainingLimits.IsValidLearningRate(LearningRate), nameof(LearningRate), LearningRate, "must be in (0, 1] (e.g. 2e-5 for a pretrained model)");
        Require(WarmupRatio is >= 0 and < 1, nameof(WarmupRatio), WarmupRatio, "must be in [0, 1)");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "must be finite and >= 0");
        Require(AdamBeta1 is >= 0 and < 1, nameof(AdamBeta1), AdamBeta1, "must be in [0, 1)");
        Require(AdamBeta2 is >= 0 and < 1, nameof(AdamBeta2), AdamBeta2, "must be in [0, 1)");
        Require(AdamEpsilon > 0 && double.IsFinite(AdamEpsilon), nameof(AdamEpsilon), AdamEpsilon, "must be finite and > 0");
        Require(MaxGradNorm > 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "must be finite and > 0");
        Require(BatchSize > 0, nameof(BatchSize), BatchSize, "must be > 0");
        Require(GradientAccumulationSteps > 0, nameof(GradientAccumulationSteps), GradientAccumulationSteps, "must be > 0");
        Require(MaxSteps > 0 || Epochs > 0, nameof(Epochs), Epochs, "must be > 0 unless MaxSteps > 0");
        Require(MaxLength > 1, nameof(MaxLength), MaxLength, "must be > 1 (a next-token target needs two tokens)");
        Require(LoggingSteps > 0, nameof(LoggingSteps), LoggingSteps, "must be > 0");
        Require(EvalSteps >= 0, nameof(EvalSteps), EvalSteps, "must be >= 0");
        Require(SaveSteps >= 0, nameof(SaveSteps), SaveSteps, "must be >= 0");
        return this;
    }
}
