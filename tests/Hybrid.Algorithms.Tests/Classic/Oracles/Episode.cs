// One sampled episode of a tabular MDP under a policy: the visited states, the actions, the rewards and how it ended.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// States[t], Actions[t], Rewards[t] = R_{t+1} for t = 0..T−1; <see cref="FinalState"/> = s_T; <see cref="Terminated"/>
/// is false when the episode was cut at the step limit (then s_T is non-terminal and a learner may bootstrap from V(s_T)).
/// </summary>
public sealed record Episode(int[] States, int[] Actions, double[] Rewards, int FinalState, bool Terminated)
{
    public int Length => States.Length;

    /// <summary>Runs π from <paramref name="start"/> until a terminal state or <paramref name="maxSteps"/> steps.</summary>
    public static Episode Sample(TabularMdp mdp, double[,] pi, int start, int maxSteps, Random rng)
    {
        if (maxSteps < 1) throw new ArgumentException($"Episode.Sample: maxSteps must be ≥ 1 (got {maxSteps})", nameof(maxSteps));
        if (mdp.IsTerminal(start)) throw new ArgumentException($"Episode.Sample: start state {start} is terminal", nameof(start));
        var states = new List<int>();
        var actions = new List<int>();
        var rewards = new List<double>();
        int s = start;
        bool done = false;
        while (!done && states.Count < maxSteps)
        {
            int a = Policies.Sample(pi, s, rng);
            (int next, double reward, bool terminal) = mdp.Step(s, a, rng);
            states.Add(s);
            actions.Add(a);
            rewards.Add(reward);
            (s, done) = (next, terminal);
        }
        return new Episode(states.ToArray(), actions.ToArray(), rewards.ToArray(), s, done);
    }
}
