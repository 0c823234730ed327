// The preference-loss axis: one implementation per literature name (sigmoid, ipo, kto, orpo, simpo, …; see PreferenceLosses).

namespace Hybrid.Algorithms.Preference;

/// <summary>Which shape of <see cref="PreferenceInputs"/> a loss reads.</summary>
public enum PreferenceDataKind
{
    /// <summary>prompt / chosen / rejected pairs.</summary>
    Paired,
    /// <summary>prompt / completion / label rows (KTO).</summary>
    Unpaired,
    /// <summary>K ranked responses per prompt (RRHF).</summary>
    Ranked,
}

/// <summary>
/// A preference-optimisation loss. <see cref="Compute"/> returns the batch-mean loss and TRL-named metrics
/// (<c>rewards/chosen</c>, <c>rewards/rejected</c>, <c>rewards/margins</c>, <c>rewards/accuracies</c>,
/// <c>logps/chosen</c>, <c>logps/rejected</c>, plus loss-specific ones).
/// </summary>
public interface IPreferenceLoss
{
    /// <summary>The registered literature name (e.g. "sigmoid", "ipo").</summary>
    string Name { get; }

    /// <summary>The data shape it reads.</summary>
    PreferenceDataKind DataKind { get; }

    /// <summary>False for reference-free losses (orpo, simpo, rrhf, nll): the trainer then never loads a reference model.</summary>
    bool NeedsReference { get; }

    /// <summary>The batch-mean loss and its metrics. A missing input the loss needs throws naming the field of <see cref="PreferenceInputs"/>.
    /// NLL terms (dpo+nll, orpo, rrhf) use −ChosenLogps / ChosenTokens (TRL's length-averaged NLL).</summary>
    LossOutput Compute(PreferenceInputs inputs);
}
