// LoRA over a frozen base, served by the rollout engine: the export carries LoRA paths, each sync pushes the adapters'
// A/B matrices alone, and after every push the engine computes the trainer's logits (base + scaled B·A).
using Hybrid.Export.Decoder;
using Hybrid.Models.Decoder;
using Hybrid.Models.Lora;
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Online;
using Hybrid.Training.WeightSync;

namespace Hybrid.Rollout.Tests;

public sealed class LoraWeightSyncTests
{
    private static readonly int[] Probe = [104, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100];

    public static TheoryData<RolloutBackend, AttentionKernel, string> Cases()
    {
        var data = new TheoryData<RolloutBackend, AttentionKernel, string>();
        foreach (RolloutBackend backend in Enum.GetValues<RolloutBackend>())
            foreach (AttentionKernel kernel in Enum.GetValues<AttentionKernel>())
                foreach (string targets in new[] { "all-linear", "q_proj v_proj down_proj" }) data.Add(backend, kernel, targets);
        return data;
    }

    private static OnlinePolicy Serve(DecoderModel model, TempFolder work, RolloutBackend backend, AttentionKernel kernel, LoraConfig lora)
    {
        string tokenizer = Path.Combine(work.Path, "tokenizer");
        Directory.CreateDirectory(tokenizer);
        new ByteLevelBpeTokenizer([], ["<|endoftext|>"]).Write(tokenizer, "<|endoftext|>", "<|endoftext|>", "<|endoftext|>");
        return OnlinePolicy.Create(model, tokenizer, work.Path, new OnlinePolicyOptions
        {
            Kernel = kernel, ContextLength = TinyPolicy.Context, Lora = lora, Engine = new RolloutEngineOptions { Backend = backend },
        });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void EachSyncPushesOnlyTheAdaptersAndTheEngineComputesTheTrainersLogits(RolloutBackend backend, AttentionKernel kernel, string targets)
    {
        var lora = new LoraConfig { Rank = 4, Alpha = 8, TargetModules = targets.Split(' ') };
        DecoderModel model = TinyPolicy.NewModel();
        float[] baseLogits = TinyPolicy.Logits(model, Probe);
        LoraLayers.Attach(model, lora);
        using var work = new TempFolder($"lora-{kernel}");
        using OnlinePolicy policy = Serve(model, work, backend, kernel, lora);

        // The overridable initializers are the LoRA matrices and nothing else: one A/B pair per adapted (packed) Linear.
        var sync = Assert.IsType<AdapterWeightSync>(policy.Sync);
        Assert.All(sync.OverridableNames, n => Assert.Matches(@"\.lora_[AB]\.MatMul\.weight$", n));
        int perLayer = lora.Targets.Count(t => !(kernel == AttentionKernel.Optimized && t is "q_proj" or "k_proj" or "v_proj"))
                       + (kernel == AttentionKernel.Optimized && lora.Targets.Any(t => t is "q_proj" or "k_proj" or "v_proj") ? 1 : 0);
        Assert.Equal(2 * TinyPolicy.Config.NumHiddenLayers * perLayer, sync.OverridableNames.Count);

        // B starts at zero: version 0 is the base model.
        TinyPolicy.AssertClose(baseLogits, policy.Engine.Logits(Probe), 1e-4, "version 0 against the base model");
        float[] before = baseLogits;
        for (int round = 1; round <= 2; round++)
        {
            TinyPolicy.Train(model);
            float[] trained = TinyPolicy.Logits(model, Probe);
            Assert.True(TinyPolicy.MaxDiff(before, trained) > 1e-2, "the adapter's training did not move the logits");
            policy.PushWeights();
            TinyPolicy.AssertClose(trained, policy.Engine.Logits(Probe), 1e-4, $"round {round}: engine logits after the adapter push");
            before = trained;

            // The pushed file holds A and B only: its size is their float32 bytes plus the format's small framing.
            long adapterBytes = 4L * Adapted(model, kernel);
            long size = new FileInfo(Path.Combine(policy.RolloutDir, $"policy.v{round}.onnx_adapter")).Length;
            Assert.InRange(size, adapterBytes, adapterBytes + 16_384);
        }

        // The reference under LoRA is the policy merged: a plain model computing the same logits.
        using DecoderModel reference = policy.FrozenCopy();
        Assert.DoesNotContain(reference.StateDict().Keys, k => k.Contains("lora_"));
        TinyPolicy.AssertClose(TinyPolicy.Logits(model, Probe), TinyPolicy.Logits(reference, Probe), 1e-5, "merged reference");
    }

    /// <summary>Elements the adapter sync carries: Σ (in·r + r·out) per adapted Linear; the packed q/k/v's B spans all three outputs.</summary>
    private static long Adapted(DecoderModel model, AttentionKernel kernel)
    {
        long total = 0;
        var layers = LoraLayers.Adapted(model);
        foreach (var (name, layer) in layers)
        {
            long r = layer.LoraA!.Weight.shape[0];
            bool packed = kernel == AttentionKernel.Optimized && name.EndsWith("q_proj") | name.EndsWith("k_proj") | name.EndsWith("v_proj");
            total += r * layer.InFeatures + (packed ? 0 : r * layer.OutFeatures);
        }
        if (kernel == AttentionKernel.Optimized)
        {
            int kv = TinyPolicy.Config.NumKeyValueHeads * TinyPolicy.Config.HeadDim, q = TinyPolicy.Config.NumAttentionHeads * TinyPolicy.Config.HeadDim;
            for (int l = 0; l < TinyPolicy.Config.NumHiddenLayers; l++)
            {
                int members = layers.Count(a => a.Name.StartsWith($"model.layers.{l}.self_attn.") && !a.Name.EndsWith("o_proj"));
                total += (long)members * layers[0].Layer.LoraA!.Weight.shape[0] * (q + 2 * kv);   // block-diagonal B [m·r, q + 2·kv]
            }
        }
        return total;
    }
}
