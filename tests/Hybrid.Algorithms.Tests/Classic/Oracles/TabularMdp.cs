// A finite Markov decision process (S, A, P, R, γ) with terminal states: the ground truth of the classic-RL oracle.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// States 0..S−1, actions 0..A−1, transition probabilities P(s'|s,a), the reward of each transition r(s,a,s') and a
/// discount γ ∈ [0, 1]. Terminal states are absorbing with value 0: the methods never act in them and an episode ends on
/// entering one. The expected reward R(s,a) = Σ_s' P(s'|s,a)·r(s,a,s') is what the Bellman equations use (Sutton & Barto 2018, Reinforcement Learning: An Introduction);
/// sampling draws s' from P and returns r(s,a,s'). The return is G_t = Σ_k γ^k R_{t+k+1} (Sutton & Barto 2018, Reinforcement Learning: An Introduction).
/// </summary>
public sealed class TabularMdp
{
    private readonly double[,,] _p;        // [S, A, S] P(s'|s,a)
    private readonly double[,,] _r;        // [S, A, S] r(s,a,s')
    private readonly bool[] _terminal;     // [S]

    /// <param name="transitions">[S, A, S] P(s'|s,a); rows of non-terminal states must sum to 1.</param>
    /// <param name="rewards">[S, A, S] reward of each transition.</param>
    /// <param name="terminal">[S] true for absorbing end states.</param>
    /// <param name="gamma">Discount γ ∈ [0, 1] (a common textbook value is 0.9).</param>
    /// <param name="start">The start state of an episode.</param>
    public TabularMdp(double[,,] transitions, double[,,] rewards, bool[] terminal, double gamma, int start)
    {
        int s = transitions.GetLength(0), a = transitions.GetLength(1);
        if (s == 0 || a == 0) throw new ArgumentException("TabularMdp needs at least one state and one action");
        if (transitions.GetLength(2) != s || rewards.GetLength(0) != s || rewards.GetLength(1) != a || rewards.GetLength(2) != s || terminal.Length != s)
            throw new ArgumentException($"TabularMdp shapes disagree: transitions [{s},{a},{transitions.GetLength(2)}], rewards [{rewards.GetLength(0)},{rewards.GetLength(1)},{rewards.GetLength(2)}], terminal [{terminal.Length}]; all must be [S, A, S] / [S]");
        if (!(gamma >= 0 && gamma <= 1)) throw new ArgumentException($"TabularMdp.gamma must be in [0, 1] (got {gamma}); 0.9 is the usual example");
        if (start < 0 || start >= s || terminal[start]) throw new ArgumentException($"TabularMdp.start {start} must be a non-terminal state in [0, {s})");
        for (int i = 0; i < s; i++)
        {
            if (terminal[i]) continue;
            for (int k = 0; k < a; k++)
            {
                double sum = 0;
                for (int j = 0; j < s; j++)
                {
                    if (!(transitions[i, k, j] >= 0) || !double.IsFinite(rewards[i, k, j]))
                        throw new ArgumentException($"TabularMdp: P({j}|{i},{k}) = {transitions[i, k, j]}, r = {rewards[i, k, j]}; probabilities must be ≥ 0 and rewards finite");
                    sum += transitions[i, k, j];
                }
                if (Math.Abs(sum - 1) > 1e-9) throw new ArgumentException($"TabularMdp: P(·|{i},{k}) sums to {sum}, not 1");
            }
        }
        _p = (double[,,])transitions.Clone();
        _r = (double[,,])rewards.Clone();
        _terminal = (bool[])terminal.Clone();
        Gamma = gamma;
        Start = start;
    }

    public int StateCount => _terminal.Length;

    public int ActionCount => _p.GetLength(1);

    public double Gamma { get; }

    public int Start { get; }

    public bool IsTerminal(int s) => _terminal[s];

    /// <summary>P(s'|s,a).</summary>
    public double P(int s, int a, int next) => _p[s, a, next];

    /// <summary>r(s,a,s'): the reward of the transition.</summary>
    public double Reward(int s, int a, int next) => _r[s, a, next];

    /// <summary>R(s,a) = Σ_s' P(s'|s,a)·r(s,a,s'); 0 in terminal states.</summary>
    public double R(int s, int a)
    {
        if (_terminal[s]) return 0;
        double sum = 0;
        for (int j = 0; j < StateCount; j++) sum += _p[s, a, j] * _r[s, a, j];
        return sum;
    }

    /// <summary>The non-terminal states, in order.</summary>
    public IEnumerable<int> NonTerminalStates => Enumerable.Range(0, StateCount).Where(s => !_terminal[s]);

    /// <summary>Samples s' ~ P(·|s,a); returns s', r(s,a,s') and whether s' is terminal.</summary>
    public (int Next, double Reward, bool Done) Step(int s, int a, Random rng)
    {
        if (_terminal[s]) throw new InvalidOperationException($"state {s} is terminal; the episode has ended");
        double u = rng.NextDouble(), cumulative = 0;
        int next = -1;
        for (int j = 0; j < StateCount; j++)
        {
            if (_p[s, a, j] <= 0) continue;
            next = j;
            cumulative += _p[s, a, j];
            if (u < cumulative) break;
        }
        return (next, _r[s, a, next], _terminal[next]);
    }

    /// <summary>Q(s,a) = R(s,a) + γ Σ_s' P(s'|s,a) V(s') for every state and action (0 in terminal states).</summary>
    public double[,] QFromV(double[] v)
    {
        var q = new double[StateCount, ActionCount];
        for (int s = 0; s < StateCount; s++)
        {
            if (_terminal[s]) continue;
            for (int a = 0; a < ActionCount; a++)
            {
                double expected = 0;
                for (int j = 0; j < StateCount; j++) expected += _p[s, a, j] * v[j];
                q[s, a] = R(s, a) + Gamma * expected;
            }
        }
        return q;
    }
}
