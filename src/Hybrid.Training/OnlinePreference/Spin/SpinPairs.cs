// SPIN's data: the SFT target is chosen, the previous iterate's own answer to the same prompt is rejected.
using Hybrid.Rollout;

namespace Hybrid.Training.OnlinePreference.Spin;

/// <summary>
/// One SFT row as SPIN reads it: prompt ids and the human (ground-truth) answer ids, which should end with the stop
/// token the policy is sampled with, so the pair compares like with like.
/// </summary>
public sealed record SpinExample(int[] Prompt, int[] Target, string Source);

/// <summary>
/// SPIN (Chen et al. 2024, "Self-Play Fine-Tuning Converts Weak Language Models to Strong Language Models",
/// arXiv 2401.01335): at iteration t the opponent p_θt answers the SFT prompts; every pair is (x, y = the SFT answer,
/// y′ = the opponent's answer) with y chosen and y′ rejected, and no labeller is involved.
/// </summary>
public static class SpinPairs
{
    /// <summary>
    /// Pairs <paramref name="examples"/>[i] with every sample of prompt i in <paramref name="own"/> (sampled from the
    /// examples' prompts in order). A sample identical to the target carries no preference (the loss is log 2 with zero
    /// gradient) and is dropped; <c>identical</c> counts them.
    /// </summary>
    public static (List<TokenPair> Pairs, int Identical) Build(IReadOnlyList<SpinExample> examples, RolloutBatch own)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(own);
        if (own.Samples.Count != examples.Count * own.SamplesPerPrompt)
            throw new ArgumentException($"the batch has {own.Samples.Count} samples but {examples.Count} prompts × {own.SamplesPerPrompt} were expected", nameof(own));
        var pairs = new List<TokenPair>(own.Samples.Count);
        int identical = 0;
        foreach (Hybrid.Rollout.Rollout sample in own.Samples)
        {
            SpinExample example = examples[sample.PromptIndex];
            if (!sample.PromptIds.AsSpan().SequenceEqual(example.Prompt))
                throw new ArgumentException($"{example.Source}: sample {sample.SampleIndex} of prompt {sample.PromptIndex} was drawn from another prompt", nameof(own));
            if (sample.ResponseIds.AsSpan().SequenceEqual(example.Target))
            {
                identical++;
                continue;
            }
            pairs.Add(new TokenPair(example.Prompt, example.Target, sample.ResponseIds, $"{example.Source} (own sample {sample.SampleIndex}, policy v{own.PolicyVersion})"));
        }
        return (pairs, identical);
    }
}
