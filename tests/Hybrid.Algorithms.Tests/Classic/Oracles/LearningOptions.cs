// Shared settings of the sampling-based tabular methods: episodes, start states, step sizes and ε schedules.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// Step size α_n = Alpha / (1 + n / HalfLife) for the n-th update (n = 0, 1, …) of a state or state-action; HalfLife null
/// keeps α constant. The decaying form satisfies the Robbins–Monro conditions (Σα = ∞, Σα² &lt; ∞), so the estimates
/// converge instead of jittering at a level set by α.
/// </summary>
public sealed record LearningRate(double Alpha = 0.1, double? HalfLife = null)
{
    public double At(int n) => HalfLife is { } h ? Alpha / (1 + n / h) : Alpha;

    internal void Validate()
    {
        if (!(Alpha > 0 && Alpha <= 1)) throw new ArgumentException($"LearningRate.Alpha must be in (0, 1] (got {Alpha}); 0.1 is a common start");
        if (HalfLife is { } h && !(h > 0)) throw new ArgumentException($"LearningRate.HalfLife must be > 0 or null (got {h})");
    }
}

/// <summary>Options of the sampling methods (Monte Carlo, TD(0), SARSA, Q-learning).</summary>
public sealed record TabularLearningOptions
{
    /// <summary>Episodes to run. Default 10 000.</summary>
    public int Episodes { get; init; } = 10_000;

    /// <summary>
    /// True (default): each episode starts in a uniformly random non-terminal state ("exploring starts"), so every state
    /// gets estimated; false: always at <see cref="TabularMdp.Start"/>.
    /// </summary>
    public bool ExploringStarts { get; init; } = true;

    /// <summary>An episode stops after this many steps even without reaching a terminal state (a truncation bias of at
    /// most γ^MaxSteps·max|V|). Default 1000.</summary>
    public int MaxSteps { get; init; } = 1000;

    /// <summary>Step size of TD(0), SARSA and Q-learning (Monte Carlo averages returns exactly). Default α = 0.1, constant.</summary>
    public LearningRate LearningRate { get; init; } = new();

    /// <summary>ε of ε-greedy in the first episode (SARSA, Q-learning). Default 0.1 (Sutton & Barto 2018, Reinforcement Learning: An Introduction).</summary>
    public double EpsilonStart { get; init; } = 0.1;

    /// <summary>ε in the last episode; ε decays linearly in between. Default 0.1 (constant).</summary>
    public double EpsilonEnd { get; init; } = 0.1;

    /// <summary>ε of episode <paramref name="episode"/> (0-based).</summary>
    public double Epsilon(int episode) =>
        Episodes <= 1 ? EpsilonStart : EpsilonStart + (EpsilonEnd - EpsilonStart) * episode / (Episodes - 1.0);

    internal void Validate()
    {
        if (Episodes < 1) throw new ArgumentException($"TabularLearningOptions.Episodes must be ≥ 1 (got {Episodes})");
        if (MaxSteps < 1) throw new ArgumentException($"TabularLearningOptions.MaxSteps must be ≥ 1 (got {MaxSteps})");
        if (!(EpsilonStart is >= 0 and <= 1) || !(EpsilonEnd is >= 0 and <= 1))
            throw new ArgumentException($"TabularLearningOptions.EpsilonStart/EpsilonEnd must be in [0, 1] (got {EpsilonStart}, {EpsilonEnd}); 0.1 is the textbook value");
        LearningRate.Validate();
    }

    /// <summary>The first state of an episode.</summary>
    internal int StartState(TabularMdp mdp, int[] nonTerminal, Random rng) =>
        ExploringStarts ? nonTerminal[rng.Next(nonTerminal.Length)] : mdp.Start;
}
