// The cluster as an online trainer's rollout source: publish the local engine's version when it changed, then sample on workers.
using Hybrid.Rollout;

namespace Hybrid.Cluster;

/// <summary>
/// Wraps the driver's own <see cref="RolloutEngine"/> (the weight sync keeps installing every version there, which is
/// also what writes the version's files) and the <see cref="ClusterDriver"/>. Before a request, a new engine version is
/// published: its changed files (the <c>.onnx_adapter</c>, or the re-exported data file and model.onnx) to workers one
/// version behind, the whole folder to the others. Publish times per version are kept in <see cref="PublishSeconds"/>.
/// </summary>
public sealed class ClusterRollouts(ClusterDriver driver, RolloutEngine local) : IRolloutGenerator
{
    private readonly List<(long Version, double Seconds)> _publishes = [];

    /// <summary>Seconds each published version took to reach every live worker.</summary>
    public IReadOnlyList<(long Version, double Seconds)> PublishSeconds => _publishes;

    public RolloutBatch Generate(RolloutRequest request)
    {
        long version = local.PolicyVersion;
        if (driver.Current?.Version != version)
        {
            var (kind, files) = VersionFiles.Of(local.ModelDirectory, local.Info.ModelFileName, version);
            double seconds = driver.PublishAsync(local.ModelDirectory, version, kind, files).GetAwaiter().GetResult();
            _publishes.Add((version, seconds));
        }
        return driver.GenerateAsync(request).GetAwaiter().GetResult();
    }
}
