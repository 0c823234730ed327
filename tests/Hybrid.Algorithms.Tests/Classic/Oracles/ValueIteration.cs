// Value iteration: repeat the Bellman optimality backup until the values stop changing.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>V*, a greedy optimal policy, Q* and the number of sweeps.</summary>
public sealed record OptimalSolution(double[] Values, int[] Policy, double[,] Q, int Iterations);

/// <summary>
/// V_{k+1}(s) = max_a Σ_s' P(s'|s,a)[r(s,a,s') + γ V_k(s')] (Bellman 1957, Sutton &amp; Barto 2018 §4.4), from
/// V_0 = 0, until max_s |V_{k+1} − V_k| &lt; tolerance. For γ &lt; 1 the error to V* is then below tolerance·γ/(1 − γ).
/// The policy is greedy in Q = R + γPV (lowest action index on ties).
/// </summary>
public static class ValueIteration
{
    public static OptimalSolution Solve(TabularMdp mdp, double tolerance = 1e-13, int maxIterations = 1_000_000)
    {
        if (!(tolerance > 0)) throw new ArgumentException($"ValueIteration: tolerance must be > 0 (got {tolerance}); use 1e-13");
        var v = new double[mdp.StateCount];
        for (int k = 1; k <= maxIterations; k++)
        {
            double[,] q = mdp.QFromV(v);
            var next = new double[mdp.StateCount];
            double delta = 0;
            foreach (int s in mdp.NonTerminalStates)
            {
                next[s] = double.NegativeInfinity;
                for (int a = 0; a < mdp.ActionCount; a++) next[s] = Math.Max(next[s], q[s, a]);
                delta = Math.Max(delta, Math.Abs(next[s] - v[s]));
            }
            v = next;
            if (delta < tolerance)
            {
                double[,] qStar = mdp.QFromV(v);
                return new OptimalSolution(v, Policies.Greedy(qStar), qStar, k);
            }
        }
        throw new InvalidOperationException($"ValueIteration did not converge in {maxIterations} sweeps; with γ = 1 every policy must reach a terminal state");
    }
}
