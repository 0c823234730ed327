// PPO on a tabular MDP with small MLPs on TorchSharp, using the RL axes' gae estimator and ppo_clip loss.
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Layers;
using Hybrid.Tensors.Optim;

namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>Options of <see cref="GridWorldPpo"/> (defaults of a small toy PPO).</summary>
public sealed record GridWorldPpoOptions
{
    /// <summary>Collect → update rounds. Default 60.</summary>
    public int Iterations { get; init; } = 60;

    /// <summary>Episodes collected per iteration (the batch N). Default 16.</summary>
    public int EpisodesPerIteration { get; init; } = 16;

    /// <summary>Full-batch gradient steps per iteration (PPO's K epochs). Default 4.</summary>
    public int Epochs { get; init; } = 4;

    /// <summary>AdamW learning rate. Default 1e-2 (toy PPO examples use Adam 1e-3; the tiny nets tolerate more).</summary>
    public double LearningRate { get; init; } = 1e-2;

    /// <summary>Hidden width of both MLPs. Default 32 (a small grid-world agent).</summary>
    public int Hidden { get; init; } = 32;

    /// <summary>GAE λ. Default 0.95 (TRL).</summary>
    public double Lambda { get; init; } = 0.95;

    /// <summary>PPO clip ε. Default 0.2 (Schulman et al. 2017).</summary>
    public double ClipRange { get; init; } = 0.2;

    /// <summary>Value-loss coefficient c1. Default 0.5 (the usual toy value).</summary>
    public double ValueCoefficient { get; init; } = 0.5;

    /// <summary>Entropy-bonus coefficient c2. Default 0.01.</summary>
    public double EntropyCoefficient { get; init; } = 0.01;

    /// <summary>Step limit of an episode (a cut episode bootstraps from V of its last state). Default 40.</summary>
    public int MaxSteps { get; init; } = 40;

    /// <summary>Seeds both libtorch's generator (initial weights) and the episode sampler (System.Random). Default 0.</summary>
    public int Seed { get; init; }

    internal void Validate()
    {
        if (Iterations < 1 || EpisodesPerIteration < 1 || Epochs < 1 || Hidden < 1 || MaxSteps < 1)
            throw new ArgumentException($"GridWorldPpoOptions: Iterations ({Iterations}), EpisodesPerIteration ({EpisodesPerIteration}), Epochs ({Epochs}), Hidden ({Hidden}) and MaxSteps ({MaxSteps}) must be ≥ 1");
        if (!(LearningRate > 0)) throw new ArgumentException($"GridWorldPpoOptions.LearningRate must be > 0 (got {LearningRate}); use 1e-3..1e-2");
        if (!(ValueCoefficient >= 0) || !(EntropyCoefficient >= 0)) throw new ArgumentException($"GridWorldPpoOptions: ValueCoefficient ({ValueCoefficient}) and EntropyCoefficient ({EntropyCoefficient}) must be ≥ 0");
    }
}

/// <summary>One iteration's numbers: the mean undiscounted return and length of its episodes and the last epoch's losses.</summary>
public sealed record PpoIterationLog(int Iteration, double MeanReturn, double MeanLength, double PolicyLoss, double ValueLoss, double Entropy, double ClipFraction);

/// <summary>
/// PPO (Schulman et al. 2017, arXiv 1707.06347) on a <see cref="TabularMdp"/>: a policy MLP one-hot(s) → Hidden → A
/// (tanh, softmax) and a value MLP one-hot(s) → Hidden → 1. Each iteration samples episodes from the start state with the
/// current policy, treats an episode as a "response" whose tokens are its steps, and computes advantages with the
/// <c>gae</c> estimator (per-step rewards as token rewards, the critic's V(s_t) as values, γ of the MDP; a cut episode
/// adds γV(s_T) to its last reward), whitened. Then Epochs full-batch AdamW steps on
/// L = token_mean(ppo_clip) + c1·token_mean((V − R̂)²) − c2·token_mean(H[π(·|s_t)]), the loss form of Schulman et al. 2017 (PPO, arXiv 1707.06347, eq. 9).
/// Owns its modules and optimizer: dispose it.
/// </summary>
public sealed class GridWorldPpo : IDisposable
{
    private readonly TabularMdp _mdp;
    private readonly Mlp _policy;
    private readonly Mlp _value;
    private readonly AdamW _optimizer;
    private readonly Tensor _identity;                      // [S, S] one-hot rows
    private readonly Random _rng;
    private IAdvantageEstimator Gae => AdvantageEstimators.Create("gae", new AdvantageSettings { Gamma = _mdp.Gamma, Lambda = Options.Lambda });
    private IPolicyLoss PpoClip => new PpoClipLoss(Options.ClipRange, Options.ClipRange);
    private readonly ILossAggregation _tokenMean = LossAggregations.Create("token_mean");

    public GridWorldPpo(TabularMdp mdp, GridWorldPpoOptions? options = null)
    {
        Options = options ?? new GridWorldPpoOptions();
        Options.Validate();
        _mdp = mdp;
        _rng = new Random(Options.Seed);
        TensorUtil.ManualSeed((ulong)Options.Seed);
        _policy = new Mlp(mdp.StateCount, Options.Hidden, mdp.ActionCount);
        _value = new Mlp(mdp.StateCount, Options.Hidden, 1);
        _optimizer = new AdamW(_policy.parameters().Concat(_value.parameters()), Options.LearningRate, weightDecay: 0);
        var eye = new float[mdp.StateCount * mdp.StateCount];
        for (int s = 0; s < mdp.StateCount; s++) eye[s * mdp.StateCount + s] = 1;
        using var scope = NewDisposeScope();
        _identity = torch.tensor(eye, [mdp.StateCount, mdp.StateCount]).DetachFromDisposeScope();
    }

    public GridWorldPpoOptions Options { get; }

    /// <summary>Runs <see cref="GridWorldPpoOptions.Iterations"/> iterations; one log entry each.</summary>
    public IReadOnlyList<PpoIterationLog> Train()
    {
        var log = new List<PpoIterationLog>();
        for (int iteration = 0; iteration < Options.Iterations; iteration++) log.Add(Iterate(iteration));
        return log;
    }

    /// <summary>π(a|s) of the current policy. [S, A]</summary>
    public double[,] ActionProbabilities() => ActionProbabilitiesFrom(Snapshot().LogProbs);

    /// <summary>argmax_a π(a|s) per state (lowest index on ties).</summary>
    public int[] GreedyPolicy() => Policies.Greedy(Snapshot().LogProbs);

    /// <summary>The critic's V(s). [S]</summary>
    public double[] Values() => Snapshot().Values;

    private PpoIterationLog Iterate(int iteration)
    {
        using var scope = NewDisposeScope();
        (double[,] oldLogProbs, double[] oldValues) = Snapshot();
        double[,] pi = ActionProbabilitiesFrom(oldLogProbs);
        Episode[] episodes = Enumerable.Range(0, Options.EpisodesPerIteration)
            .Select(_ => Episode.Sample(_mdp, pi, _mdp.Start, Options.MaxSteps, _rng)).ToArray();

        int n = episodes.Length, width = episodes.Max(e => e.Length);
        var states = new long[n * width];          // [N, A] s_t (0 on padding)
        var actions = new long[n * width];         // [N, A] a_t
        var mask = new float[n * width];           // [N, A]
        var rewards = new float[n * width];        // [N, A] r_{t+1} (+ γV(s_T) at a cut episode's last step)
        var values = new float[n * width];         // [N, A] V_old(s_t)
        var behaviour = new float[n * width];      // [N, A] log π_old(a_t|s_t)
        for (int i = 0; i < n; i++)
        {
            Episode e = episodes[i];
            for (int t = 0; t < e.Length; t++)
            {
                int k = i * width + t;
                (states[k], actions[k], mask[k]) = (e.States[t], e.Actions[t], 1f);
                rewards[k] = (float)e.Rewards[t];
                values[k] = (float)oldValues[e.States[t]];
                behaviour[k] = (float)oldLogProbs[e.States[t], e.Actions[t]];
            }
            if (!e.Terminated) rewards[i * width + e.Length - 1] += (float)(_mdp.Gamma * oldValues[e.FinalState]);
        }
        Tensor maskT = torch.tensor(mask, [n, width]);                            // [N, A]
        Tensor stateIndex = torch.tensor(states, [n * width]);                     // [N·A]
        Tensor actionIndex = torch.tensor(actions, [n * width, 1]);                // [N·A, 1]
        Tensor oldLogProbsT = torch.tensor(behaviour, [n, width]);                 // [N, A]
        AdvantageOutput gae = Gae.Compute(new AdvantageInputs
        {
            Scores = torch.zeros(n),                                             // [N] all reward is per step
            Mask = maskT,
            GroupSize = 1,
            TokenRewards = torch.tensor(rewards, [n, width]),                     // [N, A]
            Values = torch.tensor(values, [n, width]),                            // [N, A]
        });

        double policyLoss = 0, valueLoss = 0, entropy = 0, clipFraction = 0;
        for (int epoch = 0; epoch < Options.Epochs; epoch++)
        {
            using var epochScope = NewDisposeScope();
            Tensor oneHot = _identity.index_select(0, stateIndex);                   // [N·A, S]
            Tensor logProbs = _policy.Forward(oneHot).log_softmax(1);                // [N·A, A_act] log π_θ(·|s_t)
            Tensor taken = logProbs.gather(1, actionIndex).reshape(n, width);       // [N, A] log π_θ(a_t|s_t)
            Tensor tokenEntropy = -(logProbs.exp() * logProbs).sum(1).reshape(n, width); // [N, A] H[π(·|s_t)]
            Tensor v = _value.Forward(oneHot).reshape(n, width);                    // [N, A] V_θ(s_t)
            PolicyLossOutput pg = PpoClip.Compute(new PolicyLossInputs
            {
                LogProbs = taken, OldLogProbs = oldLogProbsT, Advantages = gae.Advantages, Mask = maskT,
            });
            Tensor pgLoss = _tokenMean.Aggregate(pg.TokenLoss, maskT);              // []
            Tensor error = v - gae.Returns;                                         // [N, A]
            Tensor vLoss = _tokenMean.Aggregate(error * error, maskT);              // []
            Tensor meanEntropy = _tokenMean.Aggregate(tokenEntropy, maskT);         // []
            using var sc = new ScalarScope();
            Tensor loss = pgLoss.add(vLoss * sc[Options.ValueCoefficient], sc[1]) - meanEntropy * sc[Options.EntropyCoefficient]; // []
            _optimizer.ZeroGrad();
            loss.backward();
            _optimizer.Step();
            (policyLoss, valueLoss, entropy) = (pgLoss.ToDouble(), vLoss.ToDouble(), meanEntropy.ToDouble());
            clipFraction = pg.Metrics["actor/pg_clipfrac"];
        }
        return new PpoIterationLog(iteration, episodes.Average(e => e.Rewards.Sum()), episodes.Average(e => (double)e.Length),
            policyLoss, valueLoss, entropy, clipFraction);
    }

    /// <summary>log π(a|s) [S, A] and V(s) [S] of the current networks, as plain arrays.</summary>
    private (double[,] LogProbs, double[] Values) Snapshot()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        float[] logProbs = _policy.Forward(_identity).log_softmax(1).data<float>().ToArray(); // [S, A]
        float[] values = _value.Forward(_identity).data<float>().ToArray();                 // [S, 1]
        var table = new double[_mdp.StateCount, _mdp.ActionCount];
        for (int s = 0; s < _mdp.StateCount; s++)
            for (int a = 0; a < _mdp.ActionCount; a++) table[s, a] = logProbs[s * _mdp.ActionCount + a];
        return (table, values.Select(v => (double)v).ToArray());
    }

    private static double[,] ActionProbabilitiesFrom(double[,] logProbs)
    {
        var pi = new double[logProbs.GetLength(0), logProbs.GetLength(1)];
        for (int s = 0; s < pi.GetLength(0); s++)
        {
            double total = 0;
            for (int a = 0; a < pi.GetLength(1); a++) total += pi[s, a] = Math.Exp(logProbs[s, a]);
            for (int a = 0; a < pi.GetLength(1); a++) pi[s, a] /= total;   // float32 rounding: renormalise for sampling
        }
        return pi;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _policy.Dispose();
        _value.Dispose();
        _identity.Dispose();
    }

    /// <summary>x [B, in] → Linear → tanh → Linear → [B, out].</summary>
    private sealed class Mlp : HybridModule
    {
        private readonly Linear _hidden;
        private readonly Linear _output;

        public Mlp(int input, int hidden, int output) : base(nameof(Mlp))
        {
            _hidden = RegisterModule("hidden", new Linear(input, hidden));
            _output = RegisterModule("output", new Linear(hidden, output));
        }

        public Tensor Forward(Tensor x) => _output.Forward(_hidden.Forward(x).tanh());
    }
}
