// RRHF ("rrhf"): K responses per prompt must be ranked by their average log-likelihood as their rewards rank them.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// RRHF (Yuan, Yuan, Tan, Wang, Huang, Huang 2023, "RRHF: Rank Responses to Align Language Models with Human Feedback
/// without tears", arXiv:2304.05302). For one prompt with K responses y_1..y_K and rewards r_1..r_K:
/// <code>
/// p_i    = log π_θ(y_i|x) / |y_i|                         (length-normalised log-likelihood)
/// L_rank = Σ_{i,j: r_i &lt; r_j} max(0, p_i − p_j)         (every worse response must score below every better one; no margin)
/// L_ft   = −p_{i*},  i* = argmax_i r_i                    (NLL on the best response, per token; first one on ties)
/// L      = L_rank + L_ft                                  (mean over the B prompts)
/// </code>
/// No reference model, one model in memory. Pairs with equal rewards are not compared. L_ft follows the interface's
/// convention of a per-token average; the summed form −Σ_t log π(y_{i*,t}) is |y_{i*}| times larger.
/// <para>Metrics: <c>loss</c>, <c>rank_loss</c>, <c>nll_loss</c> (means over prompts), <c>rank_accuracy</c> (share of
/// reward-ordered pairs with p_i &lt; p_j; only when some pair has distinct rewards), <c>logps/best</c> (mean summed
/// log-prob of the best responses).</para>
/// <para>Hyperparameters: none (the paper drops the margin, whose tuning it found too costly).</para>
/// </summary>
public sealed class RrhfLoss : IPreferenceLoss
{
    public string Name => "rrhf";

    public PreferenceDataKind DataKind => PreferenceDataKind.Ranked;

    public bool NeedsReference => false;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        Tensor logps = Ranked(inputs.RankLogps, nameof(PreferenceInputs.RankLogps), null);           // [B, K]
        Tensor tokens = Ranked(inputs.RankTokens, nameof(PreferenceInputs.RankTokens), logps.shape);  // [B, K]
        Tensor rewards = Ranked(inputs.RankRewards, nameof(PreferenceInputs.RankRewards), logps.shape); // [B, K]

        using var sc = new ScalarScope();
        Tensor p = logps / tokens;                                       // [B, K] p_i
        Tensor diff = p.unsqueeze(2) - p.unsqueeze(1);                   // [B, K, K] p_i − p_j
        Tensor ordered = rewards.unsqueeze(2).lt(rewards.unsqueeze(1));  // [B, K, K] bool r_i < r_j
        Tensor orderedF = ordered.to(p.dtype);                           // [B, K, K] 1 where the pair counts
        Tensor rank = (diff.relu() * orderedF).sum([1, 2]);              // [B] L_rank
        Tensor best = rewards.argmax(1, keepdim: true);                  // [B, 1] i*
        Tensor nll = -p.gather(1, best).squeeze(1);                      // [B] L_ft
        Tensor loss = rank.add(nll, sc[1]).mean();                       // []

        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        using (no_grad())
        {
            metrics["loss"] = loss.detach().ToDouble();
            metrics["rank_loss"] = rank.detach().mean().ToDouble();
            metrics["nll_loss"] = nll.detach().mean().ToDouble();
            double pairs = orderedF.sum().ToDouble();
            if (pairs > 0) metrics["rank_accuracy"] = (diff.detach().lt(sc[0]).to(p.dtype) * orderedF).sum().ToDouble() / pairs;
            metrics["logps/best"] = logps.detach().gather(1, best).mean().ToDouble();
        }
        return new LossOutput(loss.MoveToOuterDisposeScope(), metrics);
    }

    private Tensor Ranked(Tensor? tensor, string field, long[]? like)
    {
        if (tensor is null)
            throw new ArgumentException($"preference loss '{Name}' needs PreferenceInputs.{field} ([B, K]), which is null", field);
        long[] shape = tensor.shape;
        bool ok = like is null ? shape.Length == 2 && shape[0] > 0 && shape[1] >= 2 : shape.AsSpan().SequenceEqual(like);
        if (!ok)
            throw new ArgumentException($"preference loss '{Name}': PreferenceInputs.{field} has shape [{string.Join(", ", shape)}]; " +
                                        (like is null ? "it must be [B, K] with B >= 1 and K >= 2 responses per prompt"
                                                      : $"it must match RankLogps [{string.Join(", ", like)}]"), field);
        return tensor;
    }
}
