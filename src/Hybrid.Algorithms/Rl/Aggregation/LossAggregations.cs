// The registry of loss aggregations under their literature (verl) names.

namespace Hybrid.Algorithms.Rl;

/// <summary>The aggregation axis: token_mean, seq_mean_token_mean, seq_mean_token_sum, seq_mean_token_sum_norm.</summary>
public static class LossAggregations
{
    public static Registry<ILossAggregation> Registry { get; } = new Registry<ILossAggregation>("loss aggregation")
        .Add("token_mean", () => new TokenMean())
        .Add("seq_mean_token_mean", () => new SeqMeanTokenMean())
        .Add("seq_mean_token_sum", () => new SeqMeanTokenSum())
        .Add("seq_mean_token_sum_norm", () => new SeqMeanTokenSumNorm())
        // verl's spellings (loss_agg_mode), so a setting pasted from a verl config works as is
        .Alias("token-mean", "token_mean")
        .Alias("seq-mean-token-mean", "seq_mean_token_mean")
        .Alias("seq-mean-token-sum", "seq_mean_token_sum")
        .Alias("seq-mean-token-sum-norm", "seq_mean_token_sum_norm");

    /// <summary>
    /// An aggregation by name; <paramref name="normLength"/> is Dr. GRPO's constant L and only applies to
    /// seq_mean_token_sum_norm (null = the padded width A). Unknown names throw listing the known ones.
    /// </summary>
    public static ILossAggregation Create(string name, double? normLength = null)
    {
        ILossAggregation aggregation = Registry.Create(name);
        if (normLength is null) return aggregation;
        return aggregation is SeqMeanTokenSumNorm
            ? new SeqMeanTokenSumNorm(normLength)
            : throw new ArgumentException($"a constant length L = {normLength} only applies to seq_mean_token_sum_norm, not {name}; drop it or choose seq_mean_token_sum_norm", nameof(normLength));
    }
}
