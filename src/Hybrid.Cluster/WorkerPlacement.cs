// Placement of a worker grain: on the silo whose name is the grain's key, or nowhere (the worker has left).
using Microsoft.Extensions.DependencyInjection;
using Orleans.Placement;
using Orleans.Runtime;
using Orleans.Runtime.Placement;

namespace Hybrid.Cluster;

/// <summary>The strategy: a <see cref="IRolloutWorker"/> keyed "w1" lives on the silo named "w1".</summary>
[GenerateSerializer, Immutable]
public sealed class WorkerSiloPlacement : PlacementStrategy
{
    public static readonly WorkerSiloPlacement Instance = new();
}

/// <summary>Marks a grain class as placed by <see cref="WorkerSiloPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class WorkerSiloPlacementAttribute() : PlacementAttribute(WorkerSiloPlacement.Instance);

/// <summary>
/// Picks the active silo named like the grain's key from Orleans' membership view. A key whose silo is not in the
/// cluster (never joined, killed, left) cannot be placed: the call fails, which is how the driver learns a worker is gone.
/// </summary>
internal sealed class WorkerSiloPlacementDirector(IClusterMembershipService membership) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        string name = target.GrainIdentity.Key.ToString()!;
        ClusterMembershipSnapshot snapshot = membership.CurrentSnapshot;
        foreach (SiloAddress silo in context.GetCompatibleSilos(target))
            if (snapshot.Members.TryGetValue(silo, out ClusterMember? member) && member.Status == SiloStatus.Active && member.Name == name)
                return Task.FromResult(silo);
        throw new OrleansException($"rollout worker '{name}' is not an active member of the cluster");
    }

    /// <summary>Registers the director on a silo (every silo of the cluster: any of them may place a worker grain).</summary>
    public static void Register(ISiloBuilder silo) => silo.Services.AddPlacementDirector<WorkerSiloPlacement, WorkerSiloPlacementDirector>();
}
