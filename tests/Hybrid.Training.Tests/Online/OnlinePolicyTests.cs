// The online policy: response log-probs equal a slow per-row reference, and the engine follows the trainer through syncs.
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Online;

namespace Hybrid.Training.Tests.Online;

public sealed class OnlinePolicyTests
{
    /// <summary>Slow reference: each row alone, unpadded; log softmax(logits / T) at the positions predicting the response.</summary>
    private static float[] SlowLogProbs(DecoderModel model, int[] prompt, int[] response, double temperature)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long[] all = [.. prompt.Select(t => (long)t), .. response.Select(t => (long)t)];
        Tensor logits = model.Forward(torch.tensor(all, [1, all.Length])).squeeze(0);   // [T, V]
        Tensor logQ = (logits / temperature).log_softmax(-1);                            // [T, V]
        var result = new float[response.Length];
        for (int j = 0; j < response.Length; j++)
            result[j] = (float)logQ.select(0, prompt.Length - 1 + j).select(0, response[j]).ToDouble();
        return result;
    }

    [Fact]
    public void ResponseLogProbsEqualTheUnpaddedPerRowReference()
    {
        using var fixture = new BytePolicy("logprobs");
        DecoderModel model = fixture.Policy.Model;
        int[][] prompts = [BytePolicy.Bytes("3+4="), BytePolicy.Bytes("12+30="), BytePolicy.Bytes("1=")];
        int[][] responses = [BytePolicy.Bytes("7"), BytePolicy.Bytes("42;ok"), []];
        long baseline = TensorUtil.LiveTensors;
        foreach (double temperature in new[] { 1.0, 0.7 })
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var batch = ResponseBatch.Build(prompts, responses, BytePolicy.EndOfText);
            float[] got = ResponseLogProbs.Compute(model, batch, temperature).data<float>().ToArray();   // [N, A]
            float[] mask = batch.Mask.data<float>().ToArray();
            int a = batch.ResponseWidth;
            for (int r = 0; r < prompts.Length; r++)
            {
                float[] expected = SlowLogProbs(model, prompts[r], responses[r], temperature);
                for (int j = 0; j < a; j++)
                {
                    if (j < expected.Length)
                    {
                        Assert.Equal(1f, mask[r * a + j]);
                        Assert.True(Math.Abs(expected[j] - got[r * a + j]) < 1e-5, $"row {r} token {j}: {expected[j]} vs {got[r * a + j]} (T={temperature})");
                    }
                    else
                    {
                        Assert.Equal(0f, mask[r * a + j]);
                        Assert.Equal(0f, got[r * a + j]);
                    }
                }
            }
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Theory]
    [InlineData(SyncMechanism.Adapter)]
    [InlineData(SyncMechanism.ReExport)]
    public void RolloutLogProbsFollowTheTrainerThroughASync(SyncMechanism mechanism)
    {
        using var fixture = new BytePolicy("sync-" + mechanism, weightStd: 0.3, options: new OnlinePolicyOptions { Sync = mechanism });
        OnlinePolicy policy = fixture.Policy;
        var sampling = new SamplingParams { Temperature = 0.8, Seed = 5, MaxNewTokens = 6, StopTokenIds = [BytePolicy.EndOfText] };
        int[][] prompts = [BytePolicy.Bytes("ab"), BytePolicy.Bytes("hello")];

        for (int round = 0; round < 2; round++)
        {
            RolloutBatch rollouts = policy.Engine.Generate(new RolloutRequest { Prompts = prompts, SamplesPerPrompt = 2, Sampling = sampling });
            Assert.All(rollouts.Samples, s => Assert.Equal(round, s.PolicyVersion));
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var batch = ResponseBatch.Build(rollouts.Samples.Select(s => s.PromptIds).ToList(), rollouts.Samples.Select(s => s.ResponseIds).ToList(), policy.PadTokenId);
                float[] trainer = ResponseLogProbs.Compute(policy.Model, batch, sampling.Temperature).data<float>().ToArray();  // [N, A]
                var (_, _, rollout, a) = rollouts.Padded(policy.PadTokenId);
                Assert.Equal(batch.ResponseWidth, Math.Max(1, a));
                for (int i = 0; i < rollout.Length; i++)
                    Assert.True(Math.Abs(rollout[i] - trainer[i]) < 1e-4, $"round {round}, element {i}: rollout {rollout[i]} vs trainer {trainer[i]}");
            }
            // one visible training step, then hand the weights over
            using (var scope = NewDisposeScope())
            using (var optimizer = new Hybrid.Tensors.Optim.AdamW(policy.Model.parameters(), lr: 1e-2))
            {
                var batch = ResponseBatch.Build([BytePolicy.Bytes("ab")], [BytePolicy.Bytes("cd")], policy.PadTokenId);
                (-ResponseLogProbs.Compute(policy.Model, batch).sum()).backward();
                optimizer.Step();
                policy.Model.zero_grad();
            }
            policy.PushWeights();
            Assert.Equal(round + 1, policy.Version);
        }
    }
}

public sealed class ResponseLogProbsWithEntropyTests
{
    /// <summary>
    /// The one log-prob kernel RL uses (chunked logits from the hidden states) against the plain computation from the full
    /// logits: log softmax(z/T)[target] and H = −Σ p·log p per response position, 0 on padding.
    /// </summary>
    [Fact]
    public void LogProbsAndEntropyEqualTheFullLogitsComputation()
    {
        using var fixture = new BytePolicy("entropy", weightStd: 0.3);
        var model = fixture.Policy.Model;
        int[][] prompts = [BytePolicy.Bytes("3+4="), BytePolicy.Bytes("12+30="), BytePolicy.Bytes("1="), BytePolicy.Bytes("ab")];
        int[][] responses = [BytePolicy.Bytes("7"), BytePolicy.Bytes("42;ok"), [], BytePolicy.Bytes("cd")];
        long baseline = TensorUtil.LiveTensors;
        using (var scope = NewDisposeScope())
        using (no_grad())
        {
            var batch = ResponseBatch.Build(prompts, responses, BytePolicy.EndOfText);
            var (logProbs, entropy) = ResponseLogProbs.WithEntropy(model, batch, 0.7);           // [N, A] each
            Tensor logits = model.Forward(batch.InputIds, batch.AttentionMask).slice(1, batch.FirstPosition, long.MaxValue, 1).to(ScalarType.Float64) / 0.7;  // [N, A, V]
            Tensor logQ = logits.log_softmax(-1);                                                // [N, A, V]
            double[] expectedLogp = (logQ.gather(-1, batch.Targets.unsqueeze(-1)).squeeze(-1) * batch.Mask).data<double>().ToArray();
            double[] expectedH = ((-(logQ.exp() * logQ).sum(-1)) * batch.Mask).data<double>().ToArray();
            float[] logp = logProbs.data<float>().ToArray(), h = entropy.data<float>().ToArray();
            float[] plain = ResponseLogProbs.Compute(model, batch, 0.7).data<float>().ToArray();
            for (int i = 0; i < logp.Length; i++)
            {
                Assert.True(Math.Abs(logp[i] - expectedLogp[i]) < 2e-5, $"log-prob {i}: {logp[i]} vs {expectedLogp[i]}");
                Assert.Equal(plain[i], logp[i]);                                                 // the same kernel with or without entropy
                Assert.True(Math.Abs(h[i] - expectedH[i]) < 2e-5, $"entropy {i}: {h[i]} vs {expectedH[i]}");
            }
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }
}
