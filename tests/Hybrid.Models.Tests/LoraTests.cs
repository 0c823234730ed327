// LoRA (Hu et al. 2021): the adapted layer against the formula by hand, frozen base, merging, and PEFT adapter folders.
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Models.Lora;
using Hybrid.Tensors;
using Hybrid.Tensors.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class LoraTests
{
    [Fact]
    public void AnAdaptedLinearComputesWxPlusBPlusScaledBAxByHand()
    {
        TensorUtil.ManualSeed(5);
        using var layer = new Hybrid.Tensors.Layers.Linear(3, 2);
        layer.AttachLora(rank: 2, alpha: 3, dropout: 0);
        using (no_grad()) layer.LoraB!.Weight.copy_(tensor(new float[] { 0.5f, -1f, 2f, 0.25f }).reshape(2, 2));
        float[] w = layer.Weight.data<float>().ToArray(), b = layer.Bias!.data<float>().ToArray();
        float[] a = layer.LoraA!.Weight.data<float>().ToArray(), bb = layer.LoraB.Weight.data<float>().ToArray();
        float[] x = [0.3f, -0.7f, 1.1f];
        using Tensor y = layer.Forward(tensor(x).reshape(1, 3));
        double s = 3.0 / 2;
        for (int o = 0; o < 2; o++)
        {
            double expected = b[o];
            for (int i = 0; i < 3; i++) expected += w[o * 3 + i] * x[i];
            for (int r = 0; r < 2; r++)
            {
                double ax = 0;
                for (int i = 0; i < 3; i++) ax += a[r * 3 + i] * x[i];
                expected += s * bb[o * 2 + r] * ax;
            }
            Assert.Equal(expected, y[0, o].item<float>(), 5);
        }
    }

    [Fact]
    public void ASeededAttachDrawsTheSameAWhateverTheGeneratorDidBefore()
    {
        float[] AfterDraws(int draws, ulong seed)
        {
            using var model = new DecoderModel(TinyDecoders.Configs["qwen2-gqa-tied"]);
            using (Tensor noise = rand(draws)) { }                           // moves the generator on
            LoraLayers.Attach(model, new LoraConfig { Rank = 2, TargetModules = [LoraConfig.AllLinear] }, seed);
            return model.named_parameters().Where(p => p.name.EndsWith(".lora_A.weight", StringComparison.Ordinal))
                        .SelectMany(p => p.parameter.data<float>().ToArray()).ToArray();
        }
        Assert.Equal(AfterDraws(1, 7), AfterDraws(100, 7));
        Assert.NotEqual(AfterDraws(1, 7), AfterDraws(1, 8));
    }

    [Fact]
    public void AttachingFreezesTheBaseLeavesTheOutputAndTrainsOnlyTheAdapters()
    {
        DecoderConfig config = TinyDecoders.Configs["qwen2-gqa-tied"];
        long baseline = TensorUtil.LiveTensors;
        using (var model = new DecoderModel(config))
        {
            TinyDecoders.Randomize(model, 3);
            using var outer = NewDisposeScope();
            Tensor ids = tensor(new long[] { 1, 4, 9, 2, 7 }).reshape(1, 5);
            Tensor before = model.Forward(ids);
            int adapted = LoraLayers.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = [LoraConfig.AllLinear] });
            Assert.Equal(config.NumHiddenLayers * 7, adapted);
            Assert.True(before.allclose(model.Forward(ids), rtol: 0, atol: 0));   // B starts at zero

            string[] trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToArray();
            Assert.Equal(adapted * 2, trainable.Length);
            Assert.All(trainable, n => Assert.Matches(@"\.lora_[AB]\.weight$", n));
            using (var scope = NewDisposeScope())
            {
                model.Forward(ids).square().mean().backward();
                foreach (var (name, p) in model.named_parameters())
                    if (name.Contains(".lora_")) Assert.NotNull(p.grad);
                    else Assert.Null(p.grad);
                // B gets a gradient at once (A is random); A none until B moves off zero.
                Assert.Contains(model.named_parameters().Where(p => p.name.EndsWith("lora_B.weight")), p => p.parameter.grad!.abs().max().item<float>() > 0);
            }
            model.zero_grad();
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void ABf16BaseHalvesTheProjectionsBytesAndComputesCloseToTheFloat32Base()
    {
        DecoderConfig config = TinyDecoders.Configs["qwen2-gqa-tied"];
        long baseline = TensorUtil.LiveTensors;
        using (var full = new DecoderModel(config))
        using (var half = new DecoderModel(config))
        {
            TinyDecoders.Randomize(full, 3);
            TinyDecoders.Randomize(half, 3);
            long Bytes(DecoderModel m) => m.named_parameters().Where(p => p.name.EndsWith("_proj.weight") && !p.name.Contains(".lora_")).Sum(p => p.parameter.NumberOfElements * p.parameter.ElementSize);
            long before = Bytes(half);
            LoraLayers.Attach(full, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = [LoraConfig.AllLinear] });
            LoraLayers.Attach(half, new LoraConfig { Rank = 4, Alpha = 8, TargetModules = [LoraConfig.AllLinear], Bf16Base = true });
            Assert.Equal(before / 2, Bytes(half));
            Assert.All(half.named_parameters(), p => Assert.Equal(p.name.Contains("_proj.") && !p.name.Contains(".lora_") ? ScalarType.BFloat16 : ScalarType.Float32, p.parameter.dtype));   // weights and biases

            using var scope = NewDisposeScope();
            using (no_grad())   // the same adapters in both, B away from zero
                foreach (var ((_, f), (_, h)) in LoraLayers.AdapterState(full).Zip(LoraLayers.AdapterState(half)))
                {
                    f.normal_(0, 0.1);
                    h.copy_(f);
                }

            Tensor ids = tensor(new long[] { 1, 4, 9, 2, 7 }).reshape(1, 5);
            Tensor exact, approx = half.Forward(ids);                             // [1, 5, V]
            using (no_grad()) exact = full.Forward(ids);
            Assert.Equal(ScalarType.Float32, approx.dtype);
            // bf16 keeps 8 significant bits (relative rounding 2⁻⁹ ≈ 0.2 % per value): the logits move, by percents at most.
            double relative = (approx - exact).norm().item<float>() / exact.norm().item<float>();
            Assert.InRange(relative, 1e-5, 2e-2);

            using (var grads = NewDisposeScope())
            {
                approx.sum().backward();
                var withGrad = half.named_parameters().Where(p => p.parameter.grad is not null).ToArray();
                Assert.Equal(config.NumHiddenLayers * 7 * 2, withGrad.Length);
                Assert.All(withGrad, p => Assert.Equal(ScalarType.Float32, p.parameter.grad!.dtype));
            }
            half.zero_grad();
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void MergingGivesTheSameLogitsWithoutAdapters()
    {
        DecoderConfig config = TinyDecoders.Configs["llama-bias-headdim12"];
        using var model = new DecoderModel(config);
        TinyDecoders.Randomize(model, 4);
        LoraLayers.Attach(model, new LoraConfig { Rank = 2, Alpha = 4, TargetModules = ["q_proj", "down_proj"], UseRsLora = true });
        RandomizeAdapters(model, 6);
        using Tensor ids = tensor(new long[] { 3, 1, 4, 1, 5 }).reshape(1, 5);
        using Tensor unmerged = model.Forward(ids);
        LoraLayers.Merge(model);
        Assert.Empty(LoraLayers.Adapted(model));
        Assert.DoesNotContain(model.named_parameters(), p => p.name.Contains(".lora_"));
        using Tensor merged = model.Forward(ids);
        Assert.True(unmerged.allclose(merged, rtol: 0, atol: 1e-4), $"max |Δ| {(unmerged - merged).abs().max().item<float>()}");
    }

    [Fact]
    public void AHandWrittenPeftAdapterFolderLoadsAsTheBaseWithTheUpdateMerged()
    {
        string dir = Directory.CreateTempSubdirectory("hybrid-peft-").FullName;
        try
        {
            DecoderConfig config = CheckpointFixtures.Qwen();
            Dictionary<string, Tensor> weights = CheckpointFixtures.RandomTensors(config);
            string basePath = Path.Combine(dir, "base");
            HfCheckpoint.Save(basePath, config, weights);
            float[] q = weights["model.layers.1.self_attn.q_proj.weight"].data<float>().ToArray();   // [8, 8]
            CheckpointFixtures.DisposeAll(weights);

            // r = 1, α = 2 on layer 1's q_proj: A [1, 8], B [8, 1], as PEFT writes them (F32, its key names, its config fields).
            float[] a = [.. Enumerable.Range(0, 8).Select(i => 0.1f * (i + 1))];
            float[] b = [.. Enumerable.Range(0, 8).Select(i => i % 2 == 0 ? 1f : -0.5f)];
            string adapter = Path.Combine(dir, "adapter");
            Directory.CreateDirectory(adapter);
            File.WriteAllText(Path.Combine(adapter, "adapter_config.json"), """
                {
                  "alpha_pattern": {}, "auto_mapping": null, "base_model_name_or_path": "../base", "bias": "none",
                  "fan_in_fan_out": false, "inference_mode": true, "init_lora_weights": true, "layers_pattern": null,
                  "layers_to_transform": null, "lora_alpha": 2, "lora_dropout": 0.05, "modules_to_save": null,
                  "peft_type": "LORA", "r": 1, "rank_pattern": {}, "revision": null, "target_modules": ["q_proj"],
                  "task_type": "CAUSAL_LM", "use_dora": false, "use_rslora": false
                }
                """);
            CheckpointFixtures.WriteSafeTensors(Path.Combine(adapter, "adapter_model.safetensors"),
            [
                ("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight", "F32", [1, 8], Bytes(a)),
                ("base_model.model.model.layers.1.self_attn.q_proj.lora_B.weight", "F32", [8, 1], Bytes(b)),
            ]);

            using LoadedCheckpoint loaded = HfCheckpoint.Load(adapter);
            float[] merged = loaded.Tensors["model.layers.1.self_attn.q_proj.weight"].data<float>().ToArray();
            for (int o = 0; o < 8; o++)
                for (int i = 0; i < 8; i++)
                    Assert.Equal(q[o * 8 + i] + 2.0 * b[o] * a[i], merged[o * 8 + i], 5);
            Assert.Equal(config.NumHiddenLayers, HfCheckpoint.LoadConfig(adapter).NumHiddenLayers);

            // What PEFT can say but we cannot apply is refused, naming the field.
            File.WriteAllText(Path.Combine(adapter, "adapter_config.json"), File.ReadAllText(Path.Combine(adapter, "adapter_config.json"))
                .Replace("\"rank_pattern\": {}", "\"rank_pattern\": {\"q_proj\": 4}"));
            var e = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(adapter));
            Assert.Contains("field 'rank_pattern' sets per-layer values", e.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnAdapterWrittenHereReloadsToTheSameLogitsAndMisfitsAreNamed()
    {
        string dir = Directory.CreateTempSubdirectory("hybrid-lora-").FullName;
        try
        {
            DecoderConfig config = CheckpointFixtures.Qwen();
            using var model = new DecoderModel(config);
            TinyDecoders.Randomize(model, 8);
            string basePath = Path.Combine(dir, "base");
            HfCheckpoint.Save(basePath, config, model.StateDict());
            var lora = new LoraConfig { Rank = 3, Alpha = 6, TargetModules = ["q_proj", "v_proj", "up_proj"] };
            LoraLayers.Attach(model, lora);
            RandomizeAdapters(model, 9);
            string adapter = Path.Combine(dir, "adapter");
            LoraAdapterFile.Write(adapter, lora, basePath, LoraLayers.AdapterState(model));
            (LoraConfig read, string readBase) = LoraAdapterFile.ReadConfig(adapter);
            Assert.Equal(basePath, readBase);
            Assert.Equal((lora.Rank, lora.Alpha, lora.Dropout, lora.UseRsLora), (read.Rank, read.Alpha, read.Dropout, read.UseRsLora));
            Assert.Equal(lora.TargetModules, read.TargetModules);

            using Tensor ids = tensor(new long[] { 2, 7, 1, 8 }).reshape(1, 4);
            using Tensor expected = model.Forward(ids);
            using LoadedCheckpoint loaded = HfCheckpoint.Load(adapter);
            using var reloaded = new DecoderModel(loaded.Config);
            reloaded.LoadStateDict(loaded.Tensors);
            using Tensor actual = reloaded.Forward(ids);
            Assert.True(expected.allclose(actual, rtol: 0, atol: 1e-4));

            // The same adapter loaded into attached layers (to continue training it) is exact.
            using var again = new DecoderModel(config);
            again.LoadStateDict(HfCheckpoint.Load(basePath).Tensors);
            LoraLayers.Attach(again, lora);
            Dictionary<string, Tensor> adapterWeights = LoraAdapterFile.ReadWeights(adapter);
            LoraLayers.Load(again, adapterWeights, adapter);
            using (Tensor resumed = again.Forward(ids)) Assert.True(expected.allclose(resumed, rtol: 0, atol: 0));

            // A rank that does not fit is named with both shapes.
            using var wrongRank = new DecoderModel(config);
            LoraLayers.Attach(wrongRank, lora with { Rank = 2 });
            var e = Assert.Throws<CheckpointException>(() => LoraLayers.Load(wrongRank, adapterWeights, adapter));
            Assert.Contains("model.layers.0.self_attn.q_proj.lora_A.weight' has shape [3,8], the layer needs [2,8]", e.Message);
            foreach (Tensor t in adapterWeights.Values) t.Dispose();
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void RandomizeAdapters(DecoderModel model, ulong seed)
    {
        TensorUtil.ManualSeed(seed);
        using var noGrad = no_grad();
        foreach (var (_, t) in LoraLayers.AdapterState(model)) t.normal_(0, 0.3);
    }

    private static byte[] Bytes(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        return bytes;
    }
}
