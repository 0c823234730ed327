// The exponential-moving-average update of a reference model towards the policy.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Card B14: θ_ref ← α·θ_ref + (1 − α)·θ, in place and without gradients, over matching parameter lists (e.g.
/// <c>reference.Parameters()</c> and <c>policy.Parameters()</c>). The KL anchor then follows the policy slowly: α = 1
/// freezes it (the classic frozen reference), α = 0 copies the policy. Typical α: 0.99–0.999 per update.
/// </summary>
public static class EmaReference
{
    public static void Update(IReadOnlyList<Tensor> reference, IReadOnlyList<Tensor> policy, double alpha)
    {
        if (alpha is < 0 or > 1 || double.IsNaN(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "EMA rate α must lie in [0, 1], e.g. 0.99");
        if (reference.Count != policy.Count)
            throw new ArgumentException($"reference has {reference.Count} parameters, policy {policy.Count}; pass the same model's lists", nameof(policy));
        for (int i = 0; i < reference.Count; i++)
            if (!reference[i].shape.AsSpan().SequenceEqual(policy[i].shape))
                throw new ArgumentException($"parameter {i}: reference [{string.Join(", ", reference[i].shape)}] vs policy [{string.Join(", ", policy[i].shape)}]", nameof(policy));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var sc = new ScalarScope();
        for (int i = 0; i < reference.Count; i++)
            reference[i].mul_(sc[alpha]).add_(policy[i], sc[1.0 - alpha]);
    }
}
