// The plumbing every advantage estimator shares: input checks, a scope for intermediates, optional whitening, handing out.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Base of the estimators: checks shapes (Scores [N], Mask [N, A], TokenRewards/Values [N, A]), runs
/// <see cref="Estimate"/> without gradients in a private scope, whitens when asked (<see cref="AdvantageSettings.Whiten"/>,
/// default <see cref="WhitenByDefault"/>), and hands the [N, A] results to the caller's scope. The hyperparameters come
/// from the constructor (<see cref="Settings"/>), validated there.
/// </summary>
public abstract class AdvantageEstimator : IAdvantageEstimator
{
    protected AdvantageEstimator(AdvantageSettings? settings) => Settings = (settings ?? new AdvantageSettings()).Validate(GetType().Name);

    /// <summary>γ, λ, ε and whitening of this estimator.</summary>
    public AdvantageSettings Settings { get; }

    public abstract string Name { get; }

    public virtual bool NeedsCritic => false;

    public virtual bool NeedsGreedyBaseline => false;

    public virtual bool AcceptsTokenRewards => false;

    /// <summary>Whether the advantages are whitened over the batch's masked tokens when <see cref="AdvantageSettings.Whiten"/> is null.</summary>
    protected virtual bool WhitenByDefault => false;

    /// <summary>True for the estimators that compare the G responses of one prompt (grpo, dr_grpo, rloo: they need G ≥ 2).</summary>
    public virtual bool NeedsGroups => false;

    public AdvantageOutput Compute(AdvantageInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Mask.dim() != 2) throw new ArgumentException($"{Name}: Mask must be [N, A]; got [{string.Join(", ", inputs.Mask.shape)}]", nameof(inputs));
        long rows = inputs.Mask.size(0), width = inputs.Mask.size(1);
        RlMath.CheckShape(inputs.Scores, nameof(inputs.Scores), rows);
        if (inputs.TokenRewards is not null)
        {
            if (!AcceptsTokenRewards)
                throw new ArgumentException($"{Name} uses outcome scores only but TokenRewards were given; put the KL in the loss " +
                    "(KlPlacement.InLoss) or choose an estimator that reads token rewards (reinforce, reinforce_pp, remax, rloo, gae)", nameof(inputs));
            RlMath.CheckShape(inputs.TokenRewards, nameof(inputs.TokenRewards), rows, width);
        }
        long prompts = RlMath.Prompts(rows, inputs.GroupSize, Name);
        if (NeedsGroups && inputs.GroupSize < 2)
            throw new ArgumentException($"{Name}: GroupSize is {inputs.GroupSize}; a group baseline needs at least 2 responses per prompt (e.g. 8)", nameof(inputs));

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        (Tensor advantages, Tensor? returns) = Estimate(inputs, prompts);           // [N, A], [N, A] or null
        if (Settings.Whiten ?? WhitenByDefault) advantages = RlMath.MaskedWhiten(advantages, inputs.Mask, Settings.Epsilon);
        advantages.MoveToOuterDisposeScope();
        if (returns is null) return new AdvantageOutput(advantages, advantages);
        return new AdvantageOutput(advantages, returns.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// The raw [N, A] advantages (0 on padding) and, for critic-based estimators, the [N, A] returns; null returns mean
    /// "the same as the advantages" (critic-free). <paramref name="prompts"/> = N / G.
    /// </summary>
    protected abstract (Tensor Advantages, Tensor? Returns) Estimate(AdvantageInputs inputs, long prompts);

    /// <summary>Broadcasts a per-response advantage [N] to every response token: [N, A] = a[N, 1]·mask.</summary>
    protected static Tensor Broadcast(Tensor perResponse, Tensor mask) => perResponse.unsqueeze(1) * mask;
}
