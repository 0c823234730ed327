// What a preference loss reads: per-sequence log-probabilities of the policy (and reference), lengths and labels.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// One batch of preference data reduced to per-sequence numbers (the trainer runs the model; the loss never does).
/// Every tensor is float32 and 1-D over the batch unless stated. "logp" is the <b>sum</b> over response tokens of
/// log π(y_t | x, y_&lt;t); "tokens" is |y| (count of response tokens, as float32). Policy tensors carry gradients;
/// reference tensors do not.
/// <para>Three shapes of data, one record:</para>
/// <list type="bullet">
/// <item><b>Paired</b> (DPO family, ORPO, SimPO, …): <see cref="ChosenLogps"/>, <see cref="RejectedLogps"/> [B] and their
/// token counts; reference log-probs when the loss needs them; optional scores (ODPO) and the chosen NLL (DPO+NLL, ORPO).</item>
/// <item><b>Unpaired</b> (KTO): <see cref="Logps"/> [B] of prompt/completion rows with <see cref="Desirable"/> [B]
/// labels, plus the KL-estimate log-probs of mismatched (x, y′) pairs <see cref="KlLogps"/> / <see cref="RefKlLogps"/> [B].</item>
/// <item><b>Ranked</b> (RRHF): <see cref="RankLogps"/> [B, K] and <see cref="RankTokens"/> [B, K] of K responses per
/// prompt with their rewards <see cref="RankRewards"/> [B, K].</item>
/// </list>
/// </summary>
public sealed record PreferenceInputs
{
    // ---- paired ----
    /// <summary>[B] Σ_t log π_θ(y_w,t | x, y_w,&lt;t) (with grad).</summary>
    public Tensor? ChosenLogps { get; init; }
    /// <summary>[B] Σ_t log π_θ(y_l,t | x, y_l,&lt;t) (with grad).</summary>
    public Tensor? RejectedLogps { get; init; }
    /// <summary>[B] |y_w| as float32.</summary>
    public Tensor? ChosenTokens { get; init; }
    /// <summary>[B] |y_l| as float32.</summary>
    public Tensor? RejectedTokens { get; init; }
    /// <summary>[B] Σ_t log π_ref(y_w,t | …) (no grad); null for reference-free losses.</summary>
    public Tensor? RefChosenLogps { get; init; }
    /// <summary>[B] Σ_t log π_ref(y_l,t | …) (no grad).</summary>
    public Tensor? RefRejectedLogps { get; init; }
    /// <summary>[B] external scores s(y_w) of the chosen answers (ODPO offsets); optional.</summary>
    public Tensor? ChosenScores { get; init; }
    /// <summary>[B] external scores s(y_l) of the rejected answers (ODPO offsets); optional.</summary>
    public Tensor? RejectedScores { get; init; }

    // ---- unpaired (KTO) ----
    /// <summary>[B] Σ_t log π_θ(y_t | x, y_&lt;t) of each completion (with grad).</summary>
    public Tensor? Logps { get; init; }
    /// <summary>[B] reference log-probs of the same completions (no grad).</summary>
    public Tensor? RefLogps { get; init; }
    /// <summary>[B] bool: true = desirable (label 1), false = undesirable.</summary>
    public Tensor? Desirable { get; init; }
    /// <summary>[B] policy log-probs of mismatched pairs (x_i, y_j≠i), for KTO's reference point z₀ (no grad needed).</summary>
    public Tensor? KlLogps { get; init; }
    /// <summary>[B] reference log-probs of the same mismatched pairs.</summary>
    public Tensor? RefKlLogps { get; init; }

    // ---- ranked (RRHF) ----
    /// <summary>[B, K] summed log-probs of K responses per prompt (with grad).</summary>
    public Tensor? RankLogps { get; init; }
    /// <summary>[B, K] their token counts as float32.</summary>
    public Tensor? RankTokens { get; init; }
    /// <summary>[B, K] their rewards (higher is better).</summary>
    public Tensor? RankRewards { get; init; }
}
