// The seed of one prompt's G samples: a function of the run's seed and the prompt's index in the iteration only.
namespace Hybrid.Cluster;

/// <summary>
/// SplitMix64 of (seed, prompt index), so a prompt is sampled the same on any worker and in any shard; the engine then
/// seeds the prompt's one chunk with it. Non-negative, as <c>SamplingParams.Seed</c> is used.
/// </summary>
public static class PromptSeeds
{
    public static long For(long seed, int promptIndex)
    {
        ulong z = unchecked((ulong)seed + 0x9E3779B97F4A7C15UL * (ulong)(promptIndex + 1));
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return (long)((z ^ (z >> 31)) & long.MaxValue);
    }
}
