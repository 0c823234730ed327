// Policy iteration: evaluate the current policy, improve it greedily, stop when it no longer changes.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// π_0 = action 0 everywhere; repeat (1) V = V_{π_k} by iterative evaluation, (2) π_{k+1}(s) = argmax_a Q(s,a) with
/// Q = R + γPV, keeping the current action unless another is better by more than 1e-12 (so ties cannot cycle), until
/// π_{k+1} = π_k (Howard 1960, Sutton &amp; Barto 2018 §4.3). Evaluation is iterative, not the matrix form, so
/// that <see cref="PolicyEvaluation.Exact"/> stays an independent check. <see cref="OptimalSolution.Iterations"/> counts
/// improvement steps. With γ = 1 the initial policy must reach a terminal state.
/// </summary>
public static class PolicyIteration
{
    public static OptimalSolution Solve(TabularMdp mdp, double evaluationTolerance = 1e-13, int maxImprovements = 10_000)
    {
        var policy = new int[mdp.StateCount];
        for (int k = 1; k <= maxImprovements; k++)
        {
            double[] v = PolicyEvaluation.Iterative(mdp, Policies.Deterministic(mdp, policy), evaluationTolerance);
            double[,] q = mdp.QFromV(v);
            bool stable = true;
            foreach (int s in mdp.NonTerminalStates)
            {
                int best = policy[s];
                for (int a = 0; a < mdp.ActionCount; a++)
                    if (q[s, a] > q[s, best] + 1e-12) best = a;
                if (best != policy[s]) (policy[s], stable) = (best, false);
            }
            if (stable) return new OptimalSolution(v, policy, q, k);
        }
        throw new InvalidOperationException($"PolicyIteration did not stabilise in {maxImprovements} improvements");
    }
}
