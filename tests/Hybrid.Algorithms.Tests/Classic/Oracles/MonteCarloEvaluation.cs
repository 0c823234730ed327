// Monte-Carlo evaluation of a fixed policy: average the sampled returns that follow each visit of a state.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// V_π(s) ≈ mean of the returns G_t = Σ_k γ^k R_{t+k+1} observed after visits of s (Sutton &amp; Barto 2018 §5.1).
/// First-visit uses only the first visit of s in each episode (unbiased); every-visit uses all of them (consistent).
/// Model-free: it only calls <see cref="TabularMdp.Step"/>. Returns the estimate and the number of returns averaged per state.
/// </summary>
public static class MonteCarloEvaluation
{
    public static (double[] Values, int[] Counts) Evaluate(TabularMdp mdp, double[,] pi, TabularLearningOptions options, Random rng, bool firstVisit = true)
    {
        options.Validate();
        int[] nonTerminal = mdp.NonTerminalStates.ToArray();
        var sum = new double[mdp.StateCount];
        var count = new int[mdp.StateCount];
        var states = new List<int>();
        var rewards = new List<double>();
        var firstSeen = new int[mdp.StateCount];
        for (int episode = 0; episode < options.Episodes; episode++)
        {
            states.Clear();
            rewards.Clear();
            Array.Fill(firstSeen, -1);
            int s = options.StartState(mdp, nonTerminal, rng);
            for (int t = 0; t < options.MaxSteps; t++)
            {
                if (firstSeen[s] < 0) firstSeen[s] = t;
                states.Add(s);
                (int next, double reward, bool done) = mdp.Step(s, Policies.Sample(pi, s, rng), rng);
                rewards.Add(reward);
                if (done) break;
                s = next;
            }
            double[] g = DiscountedReturns(rewards, mdp.Gamma);
            for (int t = 0; t < states.Count; t++)
            {
                if (firstVisit && firstSeen[states[t]] != t) continue;
                sum[states[t]] += g[t];
                count[states[t]]++;
            }
        }
        var v = new double[mdp.StateCount];
        for (int s = 0; s < v.Length; s++) v[s] = count[s] > 0 ? sum[s] / count[s] : 0;
        return (v, count);
    }

    /// <summary>G_t = Σ_{k≥t} γ^{k−t} R_{k+1} for every step of one episode (computed backwards: G_t = R_{t+1} + γG_{t+1}).</summary>
    public static double[] DiscountedReturns(IReadOnlyList<double> rewards, double gamma)
    {
        var g = new double[rewards.Count];
        double running = 0;
        for (int t = rewards.Count - 1; t >= 0; t--) g[t] = running = rewards[t] + gamma * running;
        return g;
    }
}
