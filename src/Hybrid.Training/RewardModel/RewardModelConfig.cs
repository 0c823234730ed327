// Settings of a reward-model run (Bradley–Terry pairs or K-wise rankings): each with its meaning, default and source.
using Hybrid.Training.Stability;

namespace Hybrid.Training.RewardModel;

/// <summary>
/// A reward-model run's configuration, immutable, validated in <see cref="Validate"/> (which names the field, the value and
/// the fix). Defaults follow TRL's RewardConfig / transformers' TrainingArguments unless noted.
/// </summary>
public sealed record RewardModelConfig
{
    /// <summary>Folder of the Hugging Face checkpoint to start from: a causal LM (its body is kept, the LM head dropped and a
    /// fresh score head added — InstructGPT starts the RM from the SFT model) or a <c>*ForSequenceClassification</c> reward model.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Training rows, .jsonl or .csv: pairs (explicit/implicit prompt, plain or conversational; an optional
    /// <c>margin</c> column) or K-wise rankings (<c>prompt</c>, <c>responses</c>, <c>rewards</c>; K may differ per row).</summary>
    public required string TrainData { get; init; }

    /// <summary>Optional held-out pairs or rankings for <c>eval_accuracy</c>, <c>eval_margin</c>, <c>eval_loss</c>.</summary>
    public string? EvalData { get; init; }

    /// <summary>Where checkpoints, <c>metrics.jsonl</c> and the final <c>*ForSequenceClassification</c> checkpoint go.</summary>
    public required string OutputDir { get; init; }

    /// <summary>
    /// Reward centering c of + c·mean((r_w + r_l)²) (Eisenstein et al. 2023; TRL's center_rewards_coefficient; 0.01
    /// recommended; default 0 = off).
    /// </summary>
    public double CenterRewardsCoefficient { get; init; }

    /// <summary>Peak learning rate (default 1e-5; InstructGPT's 6B RM used 9e-6; tiny random models need ~1e-3).</summary>
    public double LearningRate { get; init; } = 1e-5;

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

    /// <summary>Rows (pairs or rankings) per micro-batch (default 8); also the eval batch size.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Micro-batches whose gradients are summed before one optimizer step (default 1).</summary>
    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>Passes over the data (default 1: InstructGPT found a reward model over-fits after one epoch); ignored when <see cref="MaxSteps"/> &gt; 0.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Total optimizer steps when &gt; 0, overriding <see cref="Epochs"/> (default -1).</summary>
    public int MaxSteps { get; init; } = -1;

    /// <summary>Longest prompt + response in tokens (TRL max_length, default 1024); longer texts keep their last tokens, as the scorer truncates them.</summary>
    public int MaxLength { get; init; } = 1024;

    /// <summary>Log metrics every this many optimizer steps.</summary>
    public int LoggingSteps { get; init; } = 10;

    /// <summary>Evaluate every this many optimizer steps when eval data is given (0 = only at the end).</summary>
    public int EvalSteps { get; init; }

    /// <summary>Also evaluate before the first step (logged as step 0; not on resume). Default false.</summary>
    public bool EvalOnStart { get; init; }

    /// <summary>Save a resumable checkpoint every this many optimizer steps (0 = only the final model).</summary>
    public int SaveSteps { get; init; }

    /// <summary>Seed of the data order, the new score head's initialisation and libtorch's generator.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Shuffle the training rows each epoch (default true).</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>A checkpoint-{step} folder to resume from.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the field, its value and the fix.</summary>
    public RewardModelConfig Validate()
    {
        static void Require(bool ok, string field, object value, string fix)
        {
            if (!ok) throw new ArgumentException($"RewardModelConfig.{field} = {value}: {fix}");
        }
        Require(CenterRewardsCoefficient >= 0 && double.IsFinite(CenterRewardsCoefficient), nameof(CenterRewardsCoefficient), CenterRewardsCoefficient, "must be a finite number >= 0 (0.01 recommended, 0 = off)");
        Require(TrainingLimits.IsValidLearningRate(LearningRate), nameof(LearningRate), LearningRate, "must be in (0, 1] (e.g. 1e-5)");
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
        Require(LoggingSteps > 0, nameof(LoggingSteps), LoggingSteps, "must be > 0");
        Require(EvalSteps >= 0, nameof(EvalSteps), EvalSteps, "must be >= 0");
        Require(SaveSteps >= 0, nameof(SaveSteps), SaveSteps, "must be >= 0");
        return this;
    }
}
