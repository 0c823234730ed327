// The registry of policy losses under their literature names, each built with its hyperparameters.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// The policy-loss axis: ppo_clip, gspo, gmpo, reinforce, raft, raft_pp, gvpo. Each entry builds its loss from
/// <see cref="PolicyLossSettings"/> (unset fields keep the loss's named defaults); the loss validates them in its
/// constructor and declares what it takes (<see cref="IPolicyLoss.ReadsClipRange"/>, <see cref="IPolicyLoss.SupportsDualClip"/>,
/// <see cref="IPolicyLoss.TakesBeta"/>, …). A new loss is one class and one <see cref="Register"/> line.
/// </summary>
public static class PolicyLosses
{
    public static Registry<Func<PolicyLossSettings, IPolicyLoss>> Registry { get; } = new Registry<Func<PolicyLossSettings, IPolicyLoss>>("policy loss")
        .Add("ppo_clip", () => s => new PpoClipLoss(s.ClipLow ?? PpoClipLoss.DefaultClip, s.ClipHigh ?? PpoClipLoss.DefaultClip, s.DualClip))
        .Add("gspo", () => s => new GspoLoss(s.ClipLow ?? GspoLoss.DefaultClipLow, s.ClipHigh ?? GspoLoss.DefaultClipHigh))
        .Add("gmpo", () => s => new GmpoLoss(s.ClipLow ?? GmpoLoss.DefaultClip, s.ClipHigh ?? GmpoLoss.DefaultClip))
        .Add("reinforce", () => _ => new ReinforceLoss())
        .Add("raft", () => _ => new RaftLoss())
        .Add("raft_pp", () => s => new RaftPlusPlusLoss(s.ClipLow ?? PpoClipLoss.DefaultClip, s.ClipHigh ?? PpoClipLoss.DefaultClip))
        .Add("gvpo", () => s => new GvpoLoss(s.Beta ?? GvpoLoss.DefaultBeta));

    /// <summary>Registers a policy loss under <paramref name="name"/> (one line per loss).</summary>
    public static void Register(string name, Func<PolicyLossSettings, IPolicyLoss> build) => Registry.Add(name, () => build);

    /// <summary>
    /// The loss <paramref name="name"/> with <paramref name="settings"/>; a setting the loss does not take is an error
    /// naming the losses that do.
    /// </summary>
    public static IPolicyLoss Create(string name, PolicyLossSettings? settings = null)
    {
        settings ??= new PolicyLossSettings();
        IPolicyLoss loss = Registry.Create(name)(settings);
        Refuse(settings.ClipLow is not null || settings.ClipHigh is not null, loss.ReadsClipRange, name, "a clip range", "ClipLow", l => l.ReadsClipRange);
        Refuse(settings.DualClip is not null, loss.SupportsDualClip, name, "a dual clip", "DualClip", l => l.SupportsDualClip);
        Refuse(settings.Beta is not null, loss.TakesBeta, name, "a β of its own", "Beta", l => l.TakesBeta);
        return loss;
    }

    /// <summary>The registered losses with a capability, for messages ("ppo_clip").</summary>
    private static string With(Func<IPolicyLoss, bool> capability) =>
        string.Join(", ", Registry.Names.Where(n => capability(Registry.Create(n)(new PolicyLossSettings()))));

    private static void Refuse(bool given, bool takes, string name, string what, string field, Func<IPolicyLoss, bool> capability)
    {
        if (given && !takes)
            throw new ArgumentException($"policy loss '{name}' does not take {what}; the losses that do: {With(capability)}", field);
    }
}
