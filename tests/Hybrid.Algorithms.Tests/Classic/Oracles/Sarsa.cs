// SARSA: on-policy TD control that bootstraps from the action the ε-greedy policy actually takes next.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// Q(s,a) ← Q(s,a) + α[r + γQ(s',a') − Q(s,a)], a' the ε-greedy action taken in s' (the tuple s, a, r, s', a'), and target
/// r when s' is terminal (Rummery &amp; Niranjan 1994, Sutton &amp; Barto 2018 §6.4). Learns the value of the
/// ε-greedy policy it follows, so ε should decay (<see cref="TabularLearningOptions.EpsilonEnd"/>) for the greedy policy
/// to become optimal. Q starts at 0; α is indexed by the visit count of (s,a).
/// </summary>
public static class Sarsa
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
            int a = Policies.EpsilonGreedy(q, s, epsilon, rng);
            for (int t = 0; t < options.MaxSteps; t++)
            {
                (int next, double reward, bool done) = mdp.Step(s, a, rng);
                int nextAction = done ? 0 : Policies.EpsilonGreedy(q, next, epsilon, rng);
                double target = reward + (done ? 0 : mdp.Gamma * q[next, nextAction]);
                q[s, a] += options.LearningRate.At(updates[s, a]++) * (target - q[s, a]);
                if (done) break;
                (s, a) = (next, nextAction);
            }
        }
        return q;
    }
}
