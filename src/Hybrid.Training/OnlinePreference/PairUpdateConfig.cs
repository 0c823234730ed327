// The preference-update settings shared by online DPO, SPIN and Step-DPO: loss, β, optimizer, batch and passes.
using Hybrid.Algorithms.Preference;
using Hybrid.Training.Stability;

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// How one iteration's pairs update the policy: <see cref="Epochs"/> passes over them in shuffled mini-batches of
/// <see cref="BatchSize"/> pairs, one AdamW step per mini-batch, with the preference loss <see cref="Loss"/> at
/// temperature <see cref="Beta"/>. Defaults follow TRL's DPOConfig / OnlineDPOConfig unless noted; validation names the
/// field, the value and the fix.
/// </summary>
public sealed record PairUpdateConfig
{
    /// <summary>
    /// Preference loss by its registered literature name (<see cref="PreferenceLosses"/>: "sigmoid" = DPO's −log σ(β·Δ),
    /// the logistic ℓ SPIN uses; "ipo", "hinge", "simpo", …), or a weighted list such as "sigmoid:1,nll:0.2". Must be a
    /// paired loss. Default "sigmoid".
    /// </summary>
    public string Loss { get; init; } = "sigmoid";

    /// <summary>
    /// The loss's hyperparameters (β — SPIN's λ —, ε, γ, α), read exactly as <c>hybrid dpo</c> reads them: an unset one
    /// keeps the loss's paper default (DPO β = 0.1, SimPO β = 2.0), one the loss does not read is an error.
    /// </summary>
    public PreferenceLossOptions LossOptions { get; init; } = new();

    /// <summary>AdamW learning rate. Default 5e-7 (TRL OnlineDPOConfig; SPIN's first iterations); tiny random models need ~1e-3.</summary>
    public double LearningRate { get; init; } = 5e-7;

    /// <summary>Pairs per optimizer step (per_device_train_batch_size × accumulation). Default 8.</summary>
    public int BatchSize { get; init; } = 8;

    /// <summary>Passes over each iteration's pairs (SPIN's paper: 2 epochs per iteration; online DPO: 1). Default 1.</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Global-norm gradient clipping (transformers' max_grad_norm). Default 1.0.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// bf16 mixed precision (transformers' bf16=True): matmuls and attention compute in bf16 on fp32 master weights and
    /// optimizer state; norms, softmax statistics, log-probabilities and losses stay fp32 (see <c>Hybrid.Tensors.Autocast</c>).
    /// </summary>
    public bool Bf16 { get; init; }

    /// <summary>AdamW decoupled weight decay. Default 0.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Checks every field; <paramref name="owner"/> prefixes the field in messages (e.g. "SpinConfig.Update").</summary>
    public PairUpdateConfig Validate(string owner = nameof(PairUpdateConfig))
    {
        void Require(bool ok, string field, object value, string fix)
        {
            if (!ok) throw new ArgumentException($"{owner}.{field} = {value}: {fix}");
        }
        Require(!string.IsNullOrWhiteSpace(Loss), nameof(Loss), $"'{Loss}'", "name a preference loss, e.g. \"sigmoid\"");
        LossOptions.Validate();
        Require(TrainingLimits.IsValidLearningRate(LearningRate), nameof(LearningRate), LearningRate, "must be in (0, 1] (5e-7 for 7B models, ~1e-3 for tiny ones)");
        Require(BatchSize > 0, nameof(BatchSize), BatchSize, "must be > 0");
        Require(Epochs > 0, nameof(Epochs), Epochs, "must be > 0");
        Require(MaxGradNorm > 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "must be finite and > 0");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "must be finite and >= 0");
        return this;
    }

    /// <summary>
    /// The loss <see cref="Loss"/> names with <see cref="LossOptions"/> (as <c>PreferenceConfig.CreateLoss</c>). An unknown name fails
    /// listing the registered ones; a loss that does not read (prompt, chosen, rejected) pairs fails naming the field.
    /// </summary>
    public IPreferenceLoss CreateLoss(string owner = nameof(PairUpdateConfig))
    {
        string[] names = Loss.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(item => item.Split(':')[0].Trim()).ToArray();
        foreach (string name in names)
        {
            PreferenceLossEntry entry = PreferenceLosses.Registry.Create(name);
            if (entry.DataKind != PreferenceDataKind.Paired)
                throw new ArgumentException($"{owner}.{nameof(Loss)} = '{Loss}': '{name}' reads {entry.DataKind} data, but these trainers build " +
                                            "(prompt, chosen, rejected) pairs; use a paired loss such as sigmoid, ipo, hinge or simpo");
        }
        return PreferenceLosses.Parse(Loss, LossOptions);
    }
}
