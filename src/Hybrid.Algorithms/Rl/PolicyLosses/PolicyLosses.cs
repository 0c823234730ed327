// The registry of policy losses under their literature names.
namespace Hybrid.Algorithms.Rl;

/// <summary>The policy-loss axis: ppo_clip, gspo, gmpo, reinforce, raft, raft_pp, gvpo.</summary>
public static class PolicyLosses
{
    public static Registry<IPolicyLoss> Registry { get; } = new Registry<IPolicyLoss>("policy loss")
        .Add("ppo_clip", () => new PpoClipLoss())
        .Add("gspo", () => new GspoLoss())
        .Add("gmpo", () => new GmpoLoss())
        .Add("reinforce", () => new ReinforceLoss())
        .Add("raft", () => new RaftLoss())
        .Add("raft_pp", () => new RaftPlusPlusLoss())
        .Add("gvpo", () => new GvpoLoss());

    public static IPolicyLoss Create(string name) => Registry.Create(name);
}
