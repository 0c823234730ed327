// Model-free methods against the exact oracle: MC and TD(0) evaluation, SARSA and Q-learning control, ε-greedy.


namespace Hybrid.Algorithms.Tests.Classic;

public class LearningTests
{
    // The decaying step size α_n = 0.5/(1 + n/10) per state (TD) or state-action (control): Robbins–Monro, and small
    // enough for rarely tried pairs that a slip into the pit (a ±1 outlier) does not dominate their estimate.
    private static readonly LearningRate Decaying = new(0.5, 10);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MonteCarloConvergesToTheMatrixFormValue(bool firstVisit)
    {
        // Uniform random policy on the slippery grid; every state gets ≥ ~50 000 returns from 200 000 exploring-start
        // episodes. Returns lie in about [−2, 1] (std ≲ 0.6), so the standard error is ≲ 0.003 and 0.015 is ~5 SE.
        TabularMdp mdp = Worlds.Slippery().Mdp;
        double[,] uniform = Policies.Uniform(mdp);
        double[] exact = PolicyEvaluation.Exact(mdp, uniform);
        (double[] mc, int[] counts) = MonteCarloEvaluation.Evaluate(mdp, uniform, new TabularLearningOptions { Episodes = 200_000 }, new Random(1), firstVisit);
        Assert.All(mdp.NonTerminalStates, s => Assert.True(counts[s] > 40_000));
        Assert.True(Worlds.MaxAbsDiff(mc, exact, mdp.NonTerminalStates) < 0.015);
    }

    [Fact]
    public void TdZeroConvergesToTheMatrixFormValue()
    {
        TabularMdp mdp = Worlds.Slippery().Mdp;
        double[,] uniform = Policies.Uniform(mdp);
        double[] exact = PolicyEvaluation.Exact(mdp, uniform);
        double[] td = TemporalDifference.Evaluate(mdp, uniform, new TabularLearningOptions { Episodes = 200_000, LearningRate = Decaying }, new Random(2));
        Assert.True(Worlds.MaxAbsDiff(td, exact, mdp.NonTerminalStates) < 0.02);
        // A constant large α keeps jittering: it must be measurably worse than the decaying schedule's bound.
        double[] jitter = TemporalDifference.Evaluate(mdp, uniform, new TabularLearningOptions { Episodes = 20_000, LearningRate = new LearningRate(0.5) }, new Random(2));
        Assert.True(Worlds.MaxAbsDiff(jitter, exact, mdp.NonTerminalStates) > 0.02);
    }

    [Theory]
    [InlineData(false, 20_000)]
    [InlineData(true, 50_000)]
    public void SarsaGreedyPolicyReachesTheOptimalStartValue(bool slippery, int episodes)
    {
        TabularMdp mdp = (slippery ? Worlds.Slippery() : Worlds.WithPit()).Mdp;
        double[] vStar = ValueIteration.Solve(mdp).Values;
        var options = new TabularLearningOptions { Episodes = episodes, EpsilonStart = 0.5, EpsilonEnd = 0.01, LearningRate = Decaying };
        double[,] q = Sarsa.Learn(mdp, options, new Random(3));
        double[] greedyValue = PolicyEvaluation.Exact(mdp, Policies.Deterministic(mdp, Policies.Greedy(q)));
        Assert.Equal(vStar[mdp.Start], greedyValue[mdp.Start], 9);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void QLearningGreedyValueEqualsVStarOnReachableStates(bool slippery)
    {
        TabularMdp mdp = (slippery ? Worlds.Slippery() : Worlds.WithPit()).Mdp;
        OptimalSolution optimal = ValueIteration.Solve(mdp);
        var options = new TabularLearningOptions { Episodes = 200_000, EpsilonStart = 0.5, EpsilonEnd = 0.01, LearningRate = Decaying };
        double[,] q = QLearning.Learn(mdp, options, new Random(4));
        double[] greedyValue = PolicyEvaluation.Exact(mdp, Policies.Deterministic(mdp, Policies.Greedy(q)));
        int[] reachable = Reachable(mdp);
        Assert.Equal(mdp.NonTerminalStates.Count(), reachable.Length);   // the layout has no unreachable pocket
        Assert.True(Worlds.MaxAbsDiff(greedyValue, optimal.Values, reachable) < 1e-9);
        // The learned values themselves: max_a Q(s,a) ≈ V*(s) (off-policy: learned while acting ε-greedily).
        Assert.All(reachable, s => Assert.True(Math.Abs(Enumerable.Range(0, mdp.ActionCount).Max(a => q[s, a]) - optimal.Values[s]) < 0.02));
    }

    [Fact]
    public void ReturnsAndTdResidualsByHand()
    {
        // Rewards (1, 0, 2), γ 0.5: G_2 = 2, G_1 = 0 + 0.5·2 = 1, G_0 = 1 + 0.5·1 = 1.5.
        Assert.Equal([1.5, 1.0, 2.0], MonteCarloEvaluation.DiscountedReturns([1.0, 0.0, 2.0], 0.5));
        Assert.Empty(MonteCarloEvaluation.DiscountedReturns([], 0.9));
        // δ = r + γV(s') − V(s): 1 + 0.9·2 − 0.5 = 2.3; into a terminal state V(s') counts as 0: 1 − 0.5 = 0.5.
        Assert.Equal(1 + 0.9 * 2 - 0.5, TemporalDifference.Residual(1, 0.5, 2, 0.9, terminal: false), 15);
        Assert.Equal(0.5, TemporalDifference.Residual(1, 0.5, 2, 0.9, terminal: true), 15);
    }

    [Fact]
    public void EpisodesFollowTheDeterministicOptimalPolicyToTheGoal()
    {
        // On the deterministic grid the optimal policy walks the 6-step shortest path: rewards −0.04 ×5, then 0.96.
        GridWorld world = Worlds.WithPit();
        TabularMdp mdp = world.Mdp;
        Episode e = Episode.Sample(mdp, Policies.Deterministic(mdp, ValueIteration.Solve(mdp).Policy), mdp.Start, 100, new Random(0));
        Assert.True(e.Terminated);
        Assert.Equal(world.State(0, 3), e.FinalState);
        Assert.Equal([-0.04, -0.04, -0.04, -0.04, -0.04, 0.96], e.Rewards.Select(r => Math.Round(r, 12)));
        Episode cut = Episode.Sample(mdp, Policies.Deterministic(mdp, new int[mdp.StateCount]), mdp.Start, 5, new Random(0));
        Assert.False(cut.Terminated);   // "always up" climbs to the top edge and bumps there forever
        Assert.Equal(5, cut.Length);
    }

    [Fact]
    public void EpsilonGreedyPicksTheBestActionWithProbabilityOneMinusEpsilonPlusEpsilonOverA()
    {
        // Q row (0, 3, 1, 2), ε 0.3, A 4: P(a=1) = 0.7 + 0.075 = 0.775, others 0.075 each. 100 000 draws: SE ≤ 0.0014.
        var q = new double[,] { { 0, 3, 1, 2 } };
        var rng = new Random(5);
        var counts = new int[4];
        for (int i = 0; i < 100_000; i++) counts[Policies.EpsilonGreedy(q, 0, 0.3, rng)]++;
        Assert.Equal(0.775, counts[1] / 100_000.0, 0.006);
        foreach (int a in new[] { 0, 2, 3 }) Assert.Equal(0.075, counts[a] / 100_000.0, 0.006);
        // Ties among maxima are split evenly: (1, 1, 0, 1) with ε 0 gives 1/3 each to actions 0, 1, 3.
        var tied = new double[,] { { 1, 1, 0, 1 } };
        Array.Clear(counts);
        for (int i = 0; i < 30_000; i++) counts[Policies.EpsilonGreedy(tied, 0, 0.0, rng)]++;
        Assert.Equal(0, counts[2]);
        foreach (int a in new[] { 0, 1, 3 }) Assert.Equal(1.0 / 3, counts[a] / 30_000.0, 0.015);
    }

    [Fact]
    public void EpsilonDecaysLinearlyAndOptionsAreValidated()
    {
        var options = new TabularLearningOptions { Episodes = 11, EpsilonStart = 0.5, EpsilonEnd = 0.0 };
        Assert.Equal(0.5, options.Epsilon(0), 12);
        Assert.Equal(0.25, options.Epsilon(5), 12);
        Assert.Equal(0.0, options.Epsilon(10), 12);
        Assert.Equal(0.5 / (1 + 20 / 10.0), Decaying.At(20), 12);
        TabularMdp mdp = Worlds.Open().Mdp;
        Assert.Throws<ArgumentException>(() => QLearning.Learn(mdp, new TabularLearningOptions { Episodes = 0 }, new Random(0)));
        Assert.Throws<ArgumentException>(() => Sarsa.Learn(mdp, new TabularLearningOptions { EpsilonStart = 2 }, new Random(0)));
        Assert.Throws<ArgumentException>(() => TemporalDifference.Evaluate(mdp, Policies.Uniform(mdp), new TabularLearningOptions { LearningRate = new LearningRate(0) }, new Random(0)));
    }

    /// <summary>Non-terminal states reachable from the start under some policy (breadth-first over P &gt; 0).</summary>
    private static int[] Reachable(TabularMdp mdp)
    {
        var seen = new HashSet<int> { mdp.Start };
        var queue = new Queue<int>([mdp.Start]);
        while (queue.Count > 0)
        {
            int s = queue.Dequeue();
            if (mdp.IsTerminal(s)) continue;
            for (int a = 0; a < mdp.ActionCount; a++)
                for (int next = 0; next < mdp.StateCount; next++)
                    if (mdp.P(s, a, next) > 0 && seen.Add(next)) queue.Enqueue(next);
        }
        return seen.Where(s => !mdp.IsTerminal(s)).Order().ToArray();
    }
}
