// The grid worlds the classic-RL tests share, and plain-loop helpers written independently of the code under test.


namespace Hybrid.Algorithms.Tests.Classic;

internal static class Worlds
{
    /// <summary>4×4, start bottom-left, goal top-right (+1), no pit, step cost 0.04, γ 0.9, deterministic.</summary>
    public static GridWorld Open() => GridWorld.Build(new GridWorldOptions());

    /// <summary>4×4 with a pit at (1, 2) next to the goal's column and a wall at (2, 1); deterministic.</summary>
    public static GridWorld WithPit() => GridWorld.Build(new GridWorldOptions { Pits = [(1, 2)], Walls = [(2, 1)] });

    /// <summary>The same layout with slip 0.2 (0.1 to each side).</summary>
    public static GridWorld Slippery() => GridWorld.Build(new GridWorldOptions { Pits = [(1, 2)], Walls = [(2, 1)], Slip = 0.2 });

    /// <summary>max_s |V(s) − max_a Σ_s' P(s'|s,a)[r(s,a,s') + γV(s')]| over non-terminal states, by plain loops.</summary>
    public static double BellmanOptimalityResidual(TabularMdp mdp, double[] v)
    {
        double worst = 0;
        for (int s = 0; s < mdp.StateCount; s++)
        {
            if (mdp.IsTerminal(s)) continue;
            double best = double.NegativeInfinity;
            for (int a = 0; a < mdp.ActionCount; a++)
            {
                double q = 0;
                for (int next = 0; next < mdp.StateCount; next++)
                    q += mdp.P(s, a, next) * (mdp.Reward(s, a, next) + mdp.Gamma * (mdp.IsTerminal(next) ? 0 : v[next]));
                best = Math.Max(best, q);
            }
            worst = Math.Max(worst, Math.Abs(v[s] - best));
        }
        return worst;
    }

    public static double MaxAbsDiff(double[] a, double[] b, IEnumerable<int> states) => states.Max(s => Math.Abs(a[s] - b[s]));
}
