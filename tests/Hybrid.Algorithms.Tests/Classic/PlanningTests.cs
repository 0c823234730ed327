// Model-based oracle: grid-world transitions, Gaussian elimination, exact policy evaluation, value and policy iteration.


namespace Hybrid.Algorithms.Tests.Classic;

public class PlanningTests
{
    [Fact]
    public void GridWorldTransitionsAndRewards()
    {
        GridWorld world = Worlds.Slippery();
        TabularMdp mdp = world.Mdp;
        int start = world.State(3, 0);
        Assert.Equal(start, mdp.Start);
        // Up from (3,0): 0.8 to (2,0); slips 0.1 right to (3,1) and 0.1 left into the edge (stays).
        Assert.Equal(0.8, mdp.P(start, 0, world.State(2, 0)), 12);
        Assert.Equal(0.1, mdp.P(start, 0, world.State(3, 1)), 12);
        Assert.Equal(0.1, mdp.P(start, 0, start), 12);
        // Up from (3,1) hits the wall (2,1): 0.8 stay, 0.1 right, 0.1 left.
        int below = world.State(3, 1);
        Assert.Equal(0.8, mdp.P(below, 0, below), 12);
        Assert.Throws<ArgumentException>(() => world.State(2, 1));
        // Entering the goal pays −0.04 + 1; entering the pit −0.04 − 1; any other move −0.04.
        Assert.Equal(0.96, mdp.Reward(world.State(1, 3), 0, world.State(0, 3)), 12);
        Assert.Equal(-1.04, mdp.Reward(world.State(1, 1), 1, world.State(1, 2)), 12);
        Assert.Equal(-0.04, mdp.Reward(start, 0, world.State(2, 0)), 12);
        // R(s,a) from (1,3) going up: 0.8·0.96 (goal) + 0.1·(−1.04) (slip left into the pit) + 0.1·(−0.04) (slip right: edge, stay).
        Assert.Equal(0.8 * 0.96 + 0.1 * -1.04 + 0.1 * -0.04, mdp.R(world.State(1, 3), 0), 12);
        Assert.True(mdp.IsTerminal(world.State(0, 3)) && mdp.IsTerminal(world.State(1, 2)));
        Assert.Equal(15, mdp.StateCount);   // 16 cells minus the wall
    }

    [Fact]
    public void GaussianEliminationSolvesHandSystems()
    {
        // 2x + y − z = 8, −3x − y + 2z = −11, −2x + y + 2z = −3 → (2, 3, −1).
        double[] x = GaussianElimination.Solve(new double[,] { { 2, 1, -1 }, { -3, -1, 2 }, { -2, 1, 2 } }, [8, -11, -3]);
        Assert.Equal([2.0, 3.0, -1.0], x.Select(v => Math.Round(v, 12)));
        // A zero on the diagonal needs a row swap: y = 2, x = 3.
        Assert.Equal([3.0, 2.0], GaussianElimination.Solve(new double[,] { { 0, 1 }, { 1, 0 } }, [2, 3]));
        Assert.Throws<InvalidOperationException>(() => GaussianElimination.Solve(new double[,] { { 1, 2 }, { 2, 4 } }, [1, 2]));
    }

    [Fact]
    public void ExactEvaluationOfHandWorkedMdps()
    {
        // Chain 0 → 1 → 2 (terminal), rewards 0 then 1, γ 0.9: V(1) = 1, V(0) = 0 + 0.9·1.
        var p = new double[3, 1, 3];
        var r = new double[3, 1, 3];
        p[0, 0, 1] = 1; p[1, 0, 2] = 1; r[1, 0, 2] = 1;
        var chain = new TabularMdp(p, r, [false, false, true], 0.9, 0);
        double[] v = PolicyEvaluation.Exact(chain, Policies.Uniform(chain));
        Assert.Equal(1.0, v[1], 12);
        Assert.Equal(0.9, v[0], 12);
        Assert.Equal(0.0, v[2]);

        // One state, two actions. a0: stay with reward 1 w.p. 0.5, end with 0 w.p. 0.5; a1: end with reward 2.
        // Uniform π: V = 0.5·[0.5(1 + 0.9V)] + 0.5·2 → V(1 − 0.225) = 0.25 + 1 → V = 1.25/0.775.
        var p2 = new double[2, 2, 2];
        var r2 = new double[2, 2, 2];
        p2[0, 0, 0] = 0.5; p2[0, 0, 1] = 0.5; r2[0, 0, 0] = 1; p2[0, 1, 1] = 1; r2[0, 1, 1] = 2;
        var loop = new TabularMdp(p2, r2, [false, true], 0.9, 0);
        Assert.Equal(1.25 / 0.775, PolicyEvaluation.Exact(loop, Policies.Uniform(loop))[0], 12);
        // Always a0: V = 0.5(1 + 0.9V) → V = 0.5/0.55.
        Assert.Equal(0.5 / 0.55, PolicyEvaluation.Exact(loop, Policies.Deterministic(loop, [0, 0]))[0], 12);
        Assert.Equal(0.5 / 0.55, PolicyEvaluation.Iterative(loop, Policies.Deterministic(loop, [0, 0]))[0], 10);
    }

    [Fact]
    public void ValueIterationMatchesTheClosedFormOnTheOpenGrid()
    {
        // Deterministic, no pit: from Manhattan distance d the best return is −0.04(1 + γ + … + γ^{d−1}) + γ^{d−1}·1.
        GridWorld world = Worlds.Open();
        OptimalSolution vi = ValueIteration.Solve(world.Mdp);
        foreach (int s in world.Mdp.NonTerminalStates)
        {
            (int row, int col) = world.Cells[s];
            int d = row + (3 - col);
            double expected = -0.04 * (1 - Math.Pow(0.9, d)) / (1 - 0.9) + Math.Pow(0.9, d - 1);
            Assert.Equal(expected, vi.Values[s], 10);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ValueAndPolicyIterationAgreeAndSatisfyBellmanOptimality(bool slippery)
    {
        TabularMdp mdp = (slippery ? Worlds.Slippery() : Worlds.WithPit()).Mdp;
        OptimalSolution vi = ValueIteration.Solve(mdp);
        OptimalSolution pi = PolicyIteration.Solve(mdp);
        Assert.True(Worlds.BellmanOptimalityResidual(mdp, vi.Values) < 1e-9);
        Assert.True(Worlds.BellmanOptimalityResidual(mdp, pi.Values) < 1e-9);
        Assert.True(Worlds.MaxAbsDiff(vi.Values, pi.Values, Enumerable.Range(0, mdp.StateCount)) < 1e-9);
        // Both greedy policies are optimal: their exact values equal V*.
        double[] viPolicyValue = PolicyEvaluation.Exact(mdp, Policies.Deterministic(mdp, vi.Policy));
        double[] piPolicyValue = PolicyEvaluation.Exact(mdp, Policies.Deterministic(mdp, pi.Policy));
        Assert.True(Worlds.MaxAbsDiff(viPolicyValue, vi.Values, mdp.NonTerminalStates) < 1e-9);
        Assert.True(Worlds.MaxAbsDiff(piPolicyValue, vi.Values, mdp.NonTerminalStates) < 1e-9);
        // And no other deterministic choice in any single state does better (one-step deviation check).
        double[,] q = mdp.QFromV(vi.Values);
        foreach (int s in mdp.NonTerminalStates)
            for (int a = 0; a < mdp.ActionCount; a++) Assert.True(q[s, a] <= vi.Values[s] + 1e-9);
    }

    [Fact]
    public void IterativeEvaluationAgreesWithTheMatrixForm()
    {
        TabularMdp mdp = Worlds.Slippery().Mdp;
        double[,] uniform = Policies.Uniform(mdp);
        Assert.True(Worlds.MaxAbsDiff(PolicyEvaluation.Exact(mdp, uniform), PolicyEvaluation.Iterative(mdp, uniform), Enumerable.Range(0, mdp.StateCount)) < 1e-9);
    }

    [Fact]
    public void MdpAndGridValidation()
    {
        Assert.Throws<ArgumentException>(() => new TabularMdp(new double[1, 1, 1] { { { 0.5 } } }, new double[1, 1, 1], [false], 0.9, 0));
        Assert.Throws<ArgumentException>(() => new TabularMdp(new double[1, 1, 1] { { { 1 } } }, new double[1, 1, 1], [false], 1.5, 0));
        Assert.Throws<ArgumentException>(() => GridWorld.Build(new GridWorldOptions { Slip = 2 }));
        Assert.Throws<ArgumentException>(() => GridWorld.Build(new GridWorldOptions { Goal = (9, 9) }));
        Assert.Throws<ArgumentException>(() => GridWorld.Build(new GridWorldOptions { Pits = [(3, 0)] }));
    }
}
