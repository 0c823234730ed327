// Where an online trainer's rollouts come from: the in-process engine, or a cluster of rollout workers.
namespace Hybrid.Rollout;

/// <summary>
/// Samples a <see cref="RolloutRequest"/> with the current policy version. <see cref="RolloutEngine"/> does it in
/// process; <c>Hybrid.Cluster.ClusterRollouts</c> splits it over worker processes after publishing the engine's version.
/// </summary>
public interface IRolloutGenerator
{
    RolloutBatch Generate(RolloutRequest request);
}
