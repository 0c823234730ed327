// Tabular policies π(a|s) as [S, A] tables: uniform, deterministic, greedy, ε-greedy, and sampling from them.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// A policy is a [S, A] table of probabilities π(a|s) (rows of terminal states are ignored). Greedy choices break ties
/// towards the lowest action index (deterministic) or at random (<see cref="EpsilonGreedy"/>, so that untrained all-zero
/// Q-tables do not always pick action 0).
/// </summary>
public static class Policies
{
    /// <summary>π(a|s) = 1/A.</summary>
    public static double[,] Uniform(TabularMdp mdp)
    {
        var pi = new double[mdp.StateCount, mdp.ActionCount];
        for (int s = 0; s < mdp.StateCount; s++)
            for (int a = 0; a < mdp.ActionCount; a++) pi[s, a] = 1.0 / mdp.ActionCount;
        return pi;
    }

    /// <summary>π(a|s) = 𝟙[a = actions[s]].</summary>
    public static double[,] Deterministic(TabularMdp mdp, int[] actions)
    {
        if (actions.Length != mdp.StateCount) throw new ArgumentException($"Policies.Deterministic: {actions.Length} actions for {mdp.StateCount} states");
        var pi = new double[mdp.StateCount, mdp.ActionCount];
        for (int s = 0; s < mdp.StateCount; s++) pi[s, actions[s]] = 1.0;
        return pi;
    }

    /// <summary>argmax_a Q(s,a) per state (lowest index on ties).</summary>
    public static int[] Greedy(double[,] q)
    {
        var actions = new int[q.GetLength(0)];
        for (int s = 0; s < actions.Length; s++)
            for (int a = 1; a < q.GetLength(1); a++)
                if (q[s, a] > q[s, actions[s]]) actions[s] = a;
        return actions;
    }

    /// <summary>a ~ π(·|s).</summary>
    public static int Sample(double[,] pi, int s, Random rng)
    {
        double u = rng.NextDouble(), cumulative = 0;
        int last = 0;
        for (int a = 0; a < pi.GetLength(1); a++)
        {
            if (pi[s, a] <= 0) continue;
            last = a;
            cumulative += pi[s, a];
            if (u < cumulative) return a;
        }
        return last;
    }

    /// <summary>
    /// ε-greedy (Sutton & Barto 2018, Reinforcement Learning: An Introduction): with probability ε a uniformly random action, else argmax_a Q(s,a) with ties broken uniformly at
    /// random. So P(best action) = 1 − ε + ε/A when the maximum is unique.
    /// </summary>
    public static int EpsilonGreedy(double[,] q, int s, double epsilon, Random rng)
    {
        int actions = q.GetLength(1);
        if (rng.NextDouble() < epsilon) return rng.Next(actions);
        double best = double.NegativeInfinity;
        int count = 0, choice = 0;
        for (int a = 0; a < actions; a++)
        {
            if (q[s, a] > best) (best, count, choice) = (q[s, a], 1, a);
            else if (q[s, a] == best && rng.Next(++count) == 0) choice = a;   // reservoir sampling over the tied maxima
        }
        return choice;
    }
}
