// Evaluation of a fixed policy: exactly by the matrix form V = (I − γP_π)⁻¹R_π, or iteratively by Bellman backups.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// V_π(s) = Σ_a π(a|s)[R(s,a) + γ Σ_s' P(s'|s,a) V_π(s')] (Bellman expectation). In matrix form
/// V_π = R_π + γ P_π V_π with R_π(s) = Σ_a π(a|s) R(s,a) and P_π(s,s') = Σ_a π(a|s) P(s'|s,a), so
/// V_π = (I − γP_π)⁻¹ R_π; terminal states get the row V(s) = 0. <see cref="Exact"/> solves that system (the
/// independent reference the sampling methods are tested against); <see cref="Iterative"/> repeats the backup.
/// </summary>
public static class PolicyEvaluation
{
    /// <summary>V_π by solving (I − γP_π) V = R_π.</summary>
    public static double[] Exact(TabularMdp mdp, double[,] pi)
    {
        int n = mdp.StateCount;
        var a = new double[n, n];      // [S, S] I − γP_π
        var b = new double[n];         // [S] R_π
        for (int s = 0; s < n; s++)
        {
            a[s, s] = 1.0;
            if (mdp.IsTerminal(s)) continue;
            for (int act = 0; act < mdp.ActionCount; act++)
            {
                if (pi[s, act] == 0) continue;
                b[s] += pi[s, act] * mdp.R(s, act);
                for (int next = 0; next < n; next++) a[s, next] -= mdp.Gamma * pi[s, act] * mdp.P(s, act, next);
            }
        }
        return GaussianElimination.Solve(a, b);
    }

    /// <summary>V_π by synchronous backups from V = 0 until max_s |ΔV| &lt; <paramref name="tolerance"/>.</summary>
    public static double[] Iterative(TabularMdp mdp, double[,] pi, double tolerance = 1e-12, int maxSweeps = 100_000)
    {
        var v = new double[mdp.StateCount];
        for (int sweep = 0; sweep < maxSweeps; sweep++)
        {
            double[,] q = mdp.QFromV(v);
            var next = new double[mdp.StateCount];
            double delta = 0;
            for (int s = 0; s < mdp.StateCount; s++)
            {
                if (mdp.IsTerminal(s)) continue;
                for (int a = 0; a < mdp.ActionCount; a++) next[s] += pi[s, a] * q[s, a];
                delta = Math.Max(delta, Math.Abs(next[s] - v[s]));
            }
            v = next;
            if (delta < tolerance) return v;
        }
        throw new InvalidOperationException($"PolicyEvaluation.Iterative did not converge in {maxSweeps} sweeps; with γ = 1 the policy must reach a terminal state");
    }
}
