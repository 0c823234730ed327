// The PPO critic: a decoder body with a value head, V(s_t) for every response position; initialised from a reward model when given.
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Models.Heads;
using Hybrid.Tensors.Layers;
using Hybrid.Training.Online;

namespace Hybrid.Training.Rl;

/// <summary>
/// An independent critic (InstructGPT / OpenRLHF style: no parameters shared with the actor): parameters
/// <c>model.*</c> and <c>v_head.weight</c> [1, Dm] / <c>v_head.bias</c> [1]. <see cref="Values"/> reads V at the
/// outputs that predict each response token, so V[:, j] is the value of the state before response token j.
/// </summary>
public sealed class Critic : HybridModule
{
    public Critic(DecoderConfig config) : base(nameof(Critic))
    {
        Model = RegisterModule("model", new DecoderBackbone(config));
        VHead = RegisterModule("v_head", new ValueHead(config.HiddenSize));
    }

    public DecoderBackbone Model { get; }

    public ValueHead VHead { get; }

    /// <summary>[N, A] V(s_j) for the response positions of <paramref name="batch"/>, 0 on padding (differentiable).</summary>
    public Tensor Values(ResponseBatch batch)
    {
        Tensor hidden = Model.Forward(batch.InputIds, batch.AttentionMask).slice(1, batch.FirstPosition, long.MaxValue, 1);  // [N, A, Dm]
        return VHead.Forward(hidden) * batch.Mask;                                                         // [N, A]
    }

    /// <summary>
    /// From a checkpoint: a reward model (<c>*ForSequenceClassification</c>: body + <c>score.weight</c>, which becomes
    /// the value head's weight with bias 0 — InstructGPT initialises the critic from the RM) or a causal LM (body only, a
    /// fresh value head N(0, 0.02²), drawn after seeding libtorch's generator with <paramref name="seed"/> when given).
    /// </summary>
    public static Critic FromCheckpoint(string dir, DecoderConfig policyConfig, ulong? seed = null)
    {
        using LoadedCheckpoint checkpoint = HfCheckpoint.Load(dir);
        DecoderConfig c = checkpoint.Config;
        if (c.HiddenSize != policyConfig.HiddenSize && !c.IsSequenceClassifier)
            throw new ArgumentException($"{dir}: hidden_size {c.HiddenSize} differs from the policy's {policyConfig.HiddenSize}");
        if (seed is ulong s) TensorUtil.ManualSeed(s);
        var critic = new Critic(c);
        try
        {
            var body = checkpoint.Tensors.Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
            using (no_grad())
            {
                critic.LoadStateDict(body, strict: false);
                if (checkpoint.Tensors.TryGetValue("score.weight", out Tensor? score))
                {
                    critic.VHead.Weight.copy_(score);
                    critic.VHead.Bias.zero_();
                }
            }
            return critic;
        }
        catch
        {
            critic.Dispose();
            throw;
        }
    }
}
