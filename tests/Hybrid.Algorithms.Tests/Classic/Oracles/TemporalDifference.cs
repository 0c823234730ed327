// TD(0) evaluation of a fixed policy: move V(s) towards the bootstrapped target r + γV(s') after every step.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// V(s_t) ← V(s_t) + α(R_{t+1} + γV(s_{t+1}) − V(s_t)) with V(terminal) = 0 (Sutton 1988, Sutton &amp; Barto
/// 2018 §6.1). α follows <see cref="TabularLearningOptions.LearningRate"/>, indexed by the visit count of s_t.
/// </summary>
public static class TemporalDifference
{
    public static double[] Evaluate(TabularMdp mdp, double[,] pi, TabularLearningOptions options, Random rng)
    {
        options.Validate();
        int[] nonTerminal = mdp.NonTerminalStates.ToArray();
        var v = new double[mdp.StateCount];
        var updates = new int[mdp.StateCount];
        for (int episode = 0; episode < options.Episodes; episode++)
        {
            int s = options.StartState(mdp, nonTerminal, rng);
            for (int t = 0; t < options.MaxSteps; t++)
            {
                (int next, double reward, bool done) = mdp.Step(s, Policies.Sample(pi, s, rng), rng);
                v[s] += options.LearningRate.At(updates[s]++) * Residual(reward, v[s], v[next], mdp.Gamma, done);
                if (done) break;
                s = next;
            }
        }
        return v;
    }

    /// <summary>The TD error δ = r + γ·V(s') − V(s), with V(s') = 0 when s' is terminal.</summary>
    public static double Residual(double reward, double value, double nextValue, double gamma, bool terminal) =>
        reward + (terminal ? 0 : gamma * nextValue) - value;
}
