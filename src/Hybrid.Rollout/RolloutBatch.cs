// The rollouts of one request, in prompt-major order, with a right-padded [N, A] view for losses.

namespace Hybrid.Rollout;

/// <summary>
/// Every sample of a request: N = prompts × G rollouts, sample g of prompt i at index i·G + g, all drawn with the same
/// policy version (one request never mixes versions, even across chunks).
/// </summary>
public sealed record RolloutBatch
{
    /// <summary>[N] the rollouts, prompt-major.</summary>
    public required IReadOnlyList<Rollout> Samples { get; init; }

    /// <summary>G, samples per prompt.</summary>
    public required int SamplesPerPrompt { get; init; }

    /// <summary>The policy version that produced every sample.</summary>
    public required long PolicyVersion { get; init; }

    /// <summary>Response tokens generated in total (Σ A_n).</summary>
    public long ResponseTokens => Samples.Sum(s => (long)s.ResponseIds.Length);

    /// <summary>
    /// The responses right-padded to A = the longest: ids [N, A] (pad with <paramref name="padTokenId"/>),
    /// mask [N, A] (1 = a response token, 0 = padding) and rollout log-probs [N, A] (0 on padding), row-major.
    /// </summary>
    public (int[] Ids, int[] Mask, float[] LogProbs, int Length) Padded(int padTokenId)
    {
        int n = Samples.Count, a = Samples.Count == 0 ? 0 : Samples.Max(s => s.ResponseIds.Length);
        var ids = new int[n * a];       // [N, A]
        var mask = new int[n * a];      // [N, A]
        var logProbs = new float[n * a];  // [N, A]
        Array.Fill(ids, padTokenId);
        for (int r = 0; r < n; r++)
        {
            Rollout s = Samples[r];
            s.ResponseIds.CopyTo(ids, r * a);
            s.LogProbs.CopyTo(logProbs, r * a);
            Array.Fill(mask, 1, r * a, s.ResponseIds.Length);
        }
        return (ids, mask, logProbs, a);
    }
}
