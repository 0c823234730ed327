// Q-learning: off-policy TD control that bootstraps from the best next action whatever the behaviour policy does.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// Q(s,a) ← Q(s,a) + α[r + γ max_a' Q(s',a') − Q(s,a)], target r when s' is terminal, acting ε-greedily (Sutton & Barto 2018, Reinforcement Learning: An Introduction;
/// Watkins 1989, Watkins &amp; Dayan 1992, Sutton &amp; Barto 2018 §6.5). Converges to Q* when every (s,a) keeps being
/// tried and α decays; the greedy policy of Q* is optimal. Q starts at 0; α is indexed by the visit count of (s,a).
/// </summary>
public static class QLearning
{
    public static double[,] Learn(TabularMdp mdp, TabularLearningOptions options, Random rng)
    {
        options.Validate();
        int[] nonTerminal = mdp.NonTerminalStates.ToArray();
        var q = new double[mdp.StateCount, mdp.ActionCount];
        var updates = new int[mdp.StateCount, mdp.ActionCount];
        for (int episode = 0; episode < options.Episodes; episode++)
        {
            double epsilon = options.Epsilon(episode);
            int s = options.StartState(mdp, nonTerminal, rng);
            for (int t = 0; t < options.MaxSteps; t++)
            {
                int a = Policies.EpsilonGreedy(q, s, epsilon, rng);
                (int next, double reward, bool done) = mdp.Step(s, a, rng);
                double best = double.NegativeInfinity;
                for (int b = 0; b < mdp.ActionCount && !done; b++) best = Math.Max(best, q[next, b]);
                double target = reward + (done ? 0 : mdp.Gamma * best);
                q[s, a] += options.LearningRate.At(updates[s, a]++) * (target - q[s, a]);
                if (done) break;
                s = next;
            }
        }
        return q;
    }
}
