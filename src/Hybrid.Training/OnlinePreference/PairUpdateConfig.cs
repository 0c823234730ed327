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

    /// <summary>β (SPIN's λ): the KL-regularisation temperature of the implicit reward β·log π_θ/π_ref. Default 0.1 (TRL; SPIN paper λ = 0.1).</summary>
    public double Beta { get; init; } = 0.1;

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
        Require(Beta > 0 && double.IsFinite(Beta), nameof(Beta), Beta, "must be a finite number > 0 (DPO's usual range 0.01 … 0.5; default 0.1)");
        Require(TrainingLimits.IsValidLearningRate(LearningRate), nameof(LearningRate), LearningRate, "must be in (0, 1] (5e-7 for 7B models, ~1e-3 for tiny ones)");
        Require(BatchSize > 0, nameof(BatchSize), BatchSize, "must be > 0");
        Require(Epochs > 0, nameof(Epochs), Epochs, "must be > 0");
        Require(MaxGradNorm > 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "must be finite and > 0");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "must be finite and >= 0");
        return this;
    }

    /// <summary>
    /// The loss <see cref="Loss"/> names, with <see cref="Beta"/> applied when a member reads β. An unknown name fails
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
        bool readsBeta = names.Any(n => PreferenceLosses.Registry.Create(n).Reads.Contains(nameof(PreferenceLossOptions.Beta)));
        return PreferenceLosses.Parse(Loss, new PreferenceLossOptions { Beta = readsBeta ? Beta : null });
    }
}
