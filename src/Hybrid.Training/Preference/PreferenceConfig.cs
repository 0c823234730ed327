// Settings of an offline preference-optimisation run (DPO and its family): each with its meaning, default and source.
using Hybrid.Algorithms.Preference;
using Hybrid.Training.Loop;

namespace Hybrid.Training.Preference;

/// <summary>
/// A preference run's configuration, immutable, validated in <see cref="Validate"/> (which names the field, the value and
/// the fix). Defaults follow TRL's DPOConfig / transformers' TrainingArguments unless noted.
/// </summary>
/// <remarks>TRL's DPO defaults: learning rate 1e-6 (pretrained models), 3 epochs.</remarks>
public sealed record PreferenceConfig() : TrainingArguments(defaultLearningRate: 1e-6, defaultEpochs: 3)
{
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

    /// <summary>Longest prompt in tokens; longer prompts keep their last tokens (TRL max_prompt_length, default 512).</summary>
    public int MaxPromptLength { get; init; } = 512;

    /// <summary>Also evaluate before the first step (logged as step 0; not on resume). Default false.</summary>
    public bool EvalOnStart { get; init; }

    /// <summary>Checks every field; throws <see cref="ArgumentException"/> naming the field, its value and the fix.</summary>
    /// <summary>The loss <see cref="Loss"/> names with <see cref="LossOptions"/> (what <c>hybrid dpo</c> trains with).</summary>
    public IPreferenceLoss CreateLoss() => PreferenceLosses.Parse(Loss, LossOptions);

    public PreferenceConfig Validate()
    {
        ValidateArguments();
        Require(!string.IsNullOrWhiteSpace(Loss), nameof(Loss), $"\"{Loss}\"", "name a preference loss, e.g. sigmoid or sigmoid,nll:0.2");
        Require(MaxPromptLength > 0 && MaxPromptLength < MaxLength, nameof(MaxPromptLength), MaxPromptLength, $"must be in [1, MaxLength = {MaxLength}) to leave room for the response");
        LossOptions.Validate();
        return this;
    }
}
