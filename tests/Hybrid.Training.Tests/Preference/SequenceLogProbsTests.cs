// Per-sequence log-probs of the concatenated batch against a slow one-sequence-at-a-time reference; prompt tokens never count.
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Preference;

namespace Hybrid.Training.Tests.Preference;

public class SequenceLogProbsTests
{
    private static TokenizedPreference Row(string prompt, params string[] responses) =>
        new PreferenceTokenizer(TinyTask.Encode, TinyTask.Eos).Tokenize(new PreferenceExample(PreferenceExampleKind.Ranked, prompt)
        {
            Prompt = prompt, Responses = responses, Rewards = responses.Select((_, i) => (double)i).ToList(),
        });

    /// <summary>Σ_{t ≥ P} log softmax(logits of the unpadded sequence alone at t − 1)[token t], in doubles.</summary>
    private static double SlowLogProb(DecoderModel model, int[] prompt, int[] response)
    {
        int[] ids = [.. prompt, .. response];
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor logits = model.Forward(torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));   // [1, L, V]
        float[] z = logits.data<float>().ToArray();
        int v = (int)logits.size(2);
        double sum = 0;
        for (int t = Math.Max(prompt.Length, 1); t < ids.Length; t++)
        {
            double max = double.NegativeInfinity, norm = 0;
            for (int k = 0; k < v; k++) max = Math.Max(max, z[(t - 1) * v + k]);
            for (int k = 0; k < v; k++) norm += Math.Exp(z[(t - 1) * v + k] - max);
            sum += z[(t - 1) * v + ids[t]] - max - Math.Log(norm);
        }
        return sum;
    }

    [Fact]
    public void BatchedLogProbsEqualTheSlowReferenceAndIgnoreStepPrefixesInThePrompt()
    {
        TensorUtil.ManualSeed(5);
        using var model = new DecoderModel(TinyTask.Config());
        // Step-DPO shape: the prompt already holds the shared first step; only the differing second step is scored.
        TokenizedPreference[] rows =
        [
            Row("12+34=; step one is 4+2=6; ", "step two is 1+3=4", "step two is 9"),
            Row("5+5=", "10", "a longer wrong answer"),
        ];
        long baseline = TensorUtil.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            SequenceBatch batch = SequenceBatch.Collate(rows, TinyTask.Eos);
            Assert.Equal(new long[] { 4, batch.InputIds.size(1) }, batch.InputIds.shape);
            float[] mask = batch.ResponseMask.data<float>().ToArray();
            long width = batch.InputIds.size(1);
            for (int s = 0; s < 4; s++)
            {
                TokenizedPreference row = rows[s / 2];
                int[] response = row.Responses[s % 2];
                // The mask marks exactly the positions predicting response tokens: t = P − 1 … P + |y| − 2.
                for (int t = 0; t < width; t++)
                    Assert.Equal(t >= row.Prompt.Length - 1 && t < row.Prompt.Length + response.Length - 1 ? 1f : 0f, mask[s * width + t]);
            }
            Assert.Equal(rows.SelectMany(r => r.Responses.Select(y => (float)y.Length)).ToArray(), batch.ResponseTokens.data<float>().ToArray());

            double[] batched = SequenceLogProbs.Compute(model, batch).to(ScalarType.Float64).data<double>().ToArray();   // [4]
            float[][] reference = SequenceLogProbs.ComputeReference(model, rows, TinyTask.Eos, batchSize: 1);
            for (int s = 0; s < 4; s++)
            {
                double slow = SlowLogProb(model, rows[s / 2].Prompt, rows[s / 2].Responses[s % 2]);
                Assert.True(Math.Abs(slow - batched[s]) < 1e-4, $"sequence {s}: slow {slow} vs batched {batched[s]}");
                Assert.True(Math.Abs(slow - reference[s / 2][s % 2]) < 1e-4, $"sequence {s}: slow {slow} vs reference {reference[s / 2][s % 2]}");
            }
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void AnEmptyPromptLeavesTheUnpredictedFirstTokenUnscored()
    {
        TokenizedPreference row = new PreferenceTokenizer(TinyTask.Encode, TinyTask.Eos).Tokenize(
            new PreferenceExample(PreferenceExampleKind.Paired, "r") { Prompt = "", Responses = ["ab", "c"] });
        Assert.Equal(2, row.ScoredTokens(0));        // "a" has nothing before it; "b" and EOS are scored
        Assert.Equal(1, row.ScoredTokens(1));
        using var scope = NewDisposeScope();
        SequenceBatch batch = SequenceBatch.Collate([row], TinyTask.Eos);
        Assert.Equal(new float[] { 2, 1 }, batch.ResponseTokens.data<float>().ToArray());
        Assert.Equal(new float[] { 2, 1 }, batch.ResponseMask.sum(1).data<float>().ToArray());
    }
}
