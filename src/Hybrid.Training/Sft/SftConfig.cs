// Settings of a supervised fine-tuning run: each with its meaning, default and where the default comes from.
using Hybrid.Training.Loop;

namespace Hybrid.Training.Sft;

/// <summary>
/// An SFT run's configuration, immutable, validated in <see cref="Validate"/> (which names the field, the value and the fix).
/// Defaults follow TRL's SFTConfig / transformers' TrainingArguments unless noted.
/// </summary>
/// <remarks>TRL's SFT defaults: learning rate 2e-5 (pretrained models), 3 epochs.</remarks>
public sealed record SftConfig() : TrainingArguments(defaultLearningRate: 2e-5, defaultEpochs: 3)
{
    /// <summary>
    /// Train only on completion tokens of prompt/completion data (TRL completion_only_loss; default true). Prompt tokens
    /// then contribute exactly zero loss and gradient.
    /// </summary>
    public bool CompletionOnlyLoss { get; init; } = true;

    /// <summary>Train only on assistant turns of conversational data (TRL assistant_only_loss; default true here).</summary>
    public bool AssistantOnlyLoss { get; init; } = true;

    /// <summary>What <c>SftTrainer</c> logs at each evaluation.</summary>
    protected override IReadOnlyList<string> EvalMetricNames => ["eval_loss", "eval_mean_token_accuracy"];

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the field, its value and the fix.</summary>
    public SftConfig Validate()
    {
        ValidateArguments();
        return this;
    }
}
