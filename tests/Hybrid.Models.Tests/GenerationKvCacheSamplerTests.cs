// The trainer's KV-cache sampler against a plain loop that re-runs the full forward for every new token.
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class GenerationKvCacheSamplerTests
{
    private static readonly int[][] Prompts = [[5, 9, 2, 14, 3], [7], [30, 1, 8]];

    private static DecoderModel NewModel()
    {
        var model = new DecoderModel(TinyDecoders.Configs["qwen2-gqa-tied"]);
        TinyDecoders.Randomize(model, seed: 4);
        return model;
    }

    /// <summary>Slow reference: for each prompt alone, full forward over everything so far, argmax, stop at a stop id.</summary>
    private static int[] GreedyByFullForward(DecoderModel model, int[] prompt, int maxNew, int[] stop)
    {
        var sequence = prompt.Select(t => (long)t).ToList();
        var generated = new List<int>();
        using var noGrad = no_grad();
        while (generated.Count < maxNew)
        {
            using var scope = NewDisposeScope();
            Tensor logits = model.Forward(torch.tensor(sequence.ToArray(), [1, sequence.Count]));  // [1, T, V]
            int next = (int)logits.select(1, sequence.Count - 1).argmax(-1).ToDouble();
            generated.Add(next);
            sequence.Add(next);
            if (stop.Contains(next)) break;
        }
        return [.. generated];
    }

    [Fact]
    public void GreedyLeftPaddedBatchEqualsEachPromptDecodedAlone()
    {
        using DecoderModel model = NewModel();
        const int maxNew = 8;
        int[][] free = Prompts.Select(p => GreedyByFullForward(model, p, maxNew, [])).ToArray();
        int stopId = free[0][2];  // row 0 stops at its third token
        int[][] expected = Prompts.Select(p => GreedyByFullForward(model, p, maxNew, [stopId])).ToArray();

        IReadOnlyList<GeneratedSequence> got = KvCacheSampler.Generate(model, Prompts, SamplingParams.Greedy(maxNew, stopId), padTokenId: 0);
        for (int r = 0; r < Prompts.Length; r++)
        {
            Assert.Equal(Prompts[r], got[r].PromptIds);
            Assert.Equal(expected[r], got[r].ResponseIds);
            Assert.Equal(expected[r][^1] == stopId ? FinishReason.Stop : FinishReason.Length, got[r].Finish);
            Assert.All(got[r].LogProbs, lp => Assert.Equal(0f, lp));
        }
        Assert.Equal(3, got[0].ResponseIds.Length);
        Assert.Equal(FinishReason.Stop, got[0].Finish);
    }

    [Fact]
    public void SampledLogProbsEqualTheTransformOfRecomputedLogits()
    {
        using DecoderModel model = NewModel();
        var sampling = new SamplingParams { Temperature = 0.9, TopK = 20, TopP = 0.95, Seed = 11, MaxNewTokens = 6 };
        IReadOnlyList<GeneratedSequence> got = KvCacheSampler.Generate(model, Prompts, sampling);
        using var noGrad = no_grad();
        foreach (GeneratedSequence s in got)
        {
            using var scope = NewDisposeScope();
            long[] all = [.. s.PromptIds.Select(t => (long)t), .. s.ResponseIds.Select(t => (long)t)];
            Tensor logits = model.Forward(torch.tensor(all, [1, all.Length])).squeeze(0);            // [T, V]
            Tensor predicting = logits.slice(0, s.PromptIds.Length - 1, all.Length - 1, 1);            // [A, V]
            Tensor targets = torch.tensor(s.ResponseIds.Select(t => (long)t).ToArray(), [s.ResponseIds.Length]);  // [A]
            float[] expected = SamplingDistribution.TokenLogProbs(predicting, targets, sampling).data<float>().ToArray();
            Close.Assert(expected.Select(x => (double)x).ToArray(), s.LogProbs.Select(x => (double)x).ToArray(), 1e-4, "rollout log-probs");
            Assert.All(s.LogProbs, lp => Assert.True(lp <= 0 && float.IsFinite(lp)));
        }
    }

    [Fact]
    public void SeededSamplingRepeatsAndLeavesTheGlobalGeneratorAlone()
    {
        using DecoderModel model = NewModel();
        var sampling = new SamplingParams { Seed = 3, MaxNewTokens = 10 };
        TensorUtil.ManualSeed(99);
        byte[] before = TensorUtil.GetRngState();
        var first = KvCacheSampler.Generate(model, Prompts, sampling);
        Assert.Equal(before, TensorUtil.GetRngState());
        var second = KvCacheSampler.Generate(model, Prompts, sampling);
        var other = KvCacheSampler.Generate(model, Prompts, sampling with { Seed = 4 });
        for (int r = 0; r < Prompts.Length; r++)
        {
            Assert.Equal(first[r].ResponseIds, second[r].ResponseIds);
            Assert.Equal(first[r].LogProbs, second[r].LogProbs);
        }
        Assert.False(Enumerable.Range(0, Prompts.Length).All(r => first[r].ResponseIds.SequenceEqual(other[r].ResponseIds)), "another seed gave the same samples");
    }
}
