// LoRA through the CLI: sft --lora-r writes a PEFT adapter folder, a resumed run equals the uninterrupted one, dpo trains
// a new adapter on top of it, export --merge-lora equals a merge done here by hand, and wrong flags are one error line.
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Tensors.Serialization;
using static TorchSharp.torch;

namespace Hybrid.Cli.Tests;

public sealed class LoraCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "lora-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private static readonly string[] Projections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    private string[] Sft(string output, params string[] extra) =>
        ["sft", "--model", f.Model, "--data", f.SftData, "--out", output, "--max-steps", "6", "--lr", "1e-2",
         "--lora-r", "4", "--lora-alpha", "8", "--lora-target-modules", "all-linear", .. extra];

    /// <summary>The merge by hand, from the formula: W += s·B·A for every lora_A/lora_B pair of a PEFT adapter's tensors.</summary>
    private static void MergeByHand(Dictionary<string, Tensor> weights, Dictionary<string, Tensor> adapter, double scaling)
    {
        foreach (string a in adapter.Keys.Where(k => k.EndsWith(".lora_A.weight")))
        {
            string layer = a["base_model.model.".Length..^".lora_A.weight".Length];
            using Tensor delta = adapter[a[..^"lora_A.weight".Length] + "lora_B.weight"].matmul(adapter[a]).mul(scaling);   // [out, r]·[r, in]
            Tensor w = weights[layer + ".weight"];
            weights[layer + ".weight"] = w.add(delta);
            w.Dispose();
        }
    }

    private static void Ok((int Code, string Stdout, string Stderr) r) => Assert.True(r.Code == 0, $"exit {r.Code}\n{r.Stdout}\n{r.Stderr}");

    [Fact]
    public void SftWritesAPeftAdapterAndAResumedRunEqualsTheUninterruptedOne()
    {
        string full = Out("sft"), resumed = Out("resumed");
        var (code, stdout, stderr) = HybridProcess.Run(Sft(full, "--save-steps", "3"));
        Ok((code, stdout, stderr));
        Assert.Contains("18,688 trainable (LoRA r=4)", stdout);   // 4 layers × (q 64·4+4·64, k 64·4+4·32, v same, o 64·4+4·64, gate/up 64·4+4·176, down 176·4+4·64)

        // PEFT's files, PEFT's names, no full weights; all-linear written out as the layer names.
        Assert.False(File.Exists(Path.Combine(full, "model.safetensors")));
        JsonObject config = JsonNode.Parse(File.ReadAllText(Path.Combine(full, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string)config["peft_type"]!);
        Assert.Equal(4, (int)config["r"]!);
        Assert.Equal(8.0, (double)config["lora_alpha"]!);
        Assert.Equal(Projections.Order(), config["target_modules"]!.AsArray().Select(n => (string)n!).Order());
        Assert.Equal(Path.GetFullPath(f.Model), (string)config["base_model_name_or_path"]!);
        Dictionary<string, Tensor> adapter = SafeTensors.Load(Path.Combine(full, "adapter_model.safetensors"));
        try
        {
            var expected = from layer in Enumerable.Range(0, 4) from p in Projections from m in new[] { "lora_A", "lora_B" }
                           select $"base_model.model.model.layers.{layer}.{(p is "gate_proj" or "up_proj" or "down_proj" ? "mlp" : "self_attn")}.{p}.{m}.weight";
            Assert.Equal(expected.Order(), adapter.Keys.Order());
            Assert.Equal([4L, 64L], adapter["base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"].shape);
            Assert.Equal([176L, 4L], adapter["base_model.model.model.layers.3.mlp.up_proj.lora_B.weight"].shape);
            Assert.True(adapter["base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight"].abs().max().item<float>() > 0, "B starts at 0 and was trained");

            // Resuming from the step-3 checkpoint gives the same adapter, bit for bit.
            Ok(HybridProcess.Run(Sft(resumed, "--resume-from", Path.Combine(full, "checkpoint-3"))));
            Dictionary<string, Tensor> again = SafeTensors.Load(Path.Combine(resumed, "adapter_model.safetensors"));
            try
            {
                foreach ((string name, Tensor t) in adapter) { using Tensor same = t.eq(again[name]).all(); Assert.True(same.item<bool>(), name); }
            }
            finally { foreach (Tensor t in again.Values) t.Dispose(); }
        }
        finally { foreach (Tensor t in adapter.Values) t.Dispose(); }
    }

    [Fact]
    public void TheSeedFixesTheAdaptersStart()
    {
        // After one step A is still as attached (B = 0 gave it no gradient): drawn from the generator --seed seeds.
        string[] Run(string output, string seed) =>
            ["sft", "--model", f.Model, "--data", f.SftData, "--out", output, "--max-steps", "1", "--lr", "1e-4", "--seed", seed,
             "--lora-r", "4", "--lora-target-modules", "all-linear"];
        string a = Out("seed3a"), b = Out("seed3b"), c = Out("seed4");
        Ok(HybridProcess.Run(Run(a, "3")));
        Ok(HybridProcess.Run(Run(b, "3")));
        Ok(HybridProcess.Run(Run(c, "4")));
        byte[] Adapter(string dir) => File.ReadAllBytes(Path.Combine(dir, "adapter_model.safetensors"));
        Assert.Equal(Adapter(a), Adapter(b));
        Assert.NotEqual(Adapter(a), Adapter(c));
    }

    [Fact]
    public void MergeLoraExportEqualsAMergeByHandAndDpoStacksAnAdapter()
    {
        string sft = Out("sft"), dpo = Out("dpo"), merged = Out("merged"), byHand = Out("byhand");
        Ok(HybridProcess.Run(Sft(sft)));

        // The merge by hand: W + (α / r)·B·A for every adapted layer, written as a plain checkpoint.
        Directory.CreateDirectory(byHand);
        foreach (string file in Directory.GetFiles(f.Model)) File.Copy(file, Path.Combine(byHand, Path.GetFileName(file)));
        Dictionary<string, Tensor> weights = SafeTensors.Load(Path.Combine(f.Model, "model.safetensors"));
        Dictionary<string, Tensor> adapter = SafeTensors.Load(Path.Combine(sft, "adapter_model.safetensors"));
        try
        {
            MergeByHand(weights, adapter, scaling: 8.0 / 4);
            SafeTensors.Save(Path.Combine(byHand, "model.safetensors"), weights);
        }
        finally { foreach (Tensor t in weights.Values.Concat(adapter.Values)) t.Dispose(); }

        // An adapter folder is not exported without --merge-lora (one line); with it, greedy text equals the hand merge's.
        var (code, stdout, stderr) = HybridProcess.Run("export", "--model", sft, "--out", merged);
        Assert.Equal(2, code);
        Assert.Contains("a LoRA adapter folder: add --merge-lora", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Ok(HybridProcess.Run("export", "--model", sft, "--out", merged, "--merge-lora"));
        string[] fromMerge = Greedy(merged);
        Assert.Equal(Greedy(byHand), fromMerge);
        Assert.NotEqual(Greedy(f.Model), fromMerge);   // the adapter changed what the model says
        string int4 = Out("int4");                     // the int4 export works on the merged weights
        Ok(HybridProcess.Run("export", "--model", sft, "--out", int4, "--merge-lora", "--int4", "--block-size", "16"));
        Assert.Contains("MatMulNBits", File.ReadAllText(Path.Combine(int4, "model.onnx"), System.Text.Encoding.Latin1));
        Assert.Equal(8, Greedy(int4).Length);

        // DPO on the adapter folder trains a new adapter whose base is that folder; it loads (merged chain) for generation.
        Ok(HybridProcess.Run("dpo", "--model", sft, "--data", f.PreferenceData, "--out", dpo, "--max-steps", "2", "--lora-r", "2"));
        Assert.Equal(Path.GetFullPath(sft), (string)JsonNode.Parse(File.ReadAllText(Path.Combine(dpo, "adapter_config.json")))!["base_model_name_or_path"]!);
        Assert.Equal(8, Greedy(dpo).Length);   // the fixture's 8 prompts
    }

    [Fact]
    public void RlWithLoraSyncsTheAdapterAndSavesAnAdapterFolder()
    {
        string output = Out("rl");
        var (code, stdout, stderr) = HybridProcess.Run("rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--iterations", "3",
            "--prompts-per-iteration", "4", "--group-size", "4", "--max-new-tokens", "4", "--lr", "1e-2", "--lora-r", "4", "--lora-target-modules", "all-linear");
        Ok((code, stdout, stderr));
        string model = Path.Combine(output, "model");
        Assert.Equal(Path.GetFullPath(f.Model), (string)JsonNode.Parse(File.ReadAllText(Path.Combine(model, "adapter_config.json")))!["base_model_name_or_path"]!);
        Assert.False(File.Exists(Path.Combine(model, "model.safetensors")));
        // Every iteration sampled from the engine's adapter version of the trainer's weights: the rollout log-probs of the
        // sampled tokens equal the trainer's recomputed ones (float rounding only), at versions 0, 1, 2.
        JsonObject[] rows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal([0.0, 1.0, 2.0], rows.Select(r => (double)r["policy/rollout_version"]!));
        Assert.All(rows, r => Assert.InRange((double)r["rollout_corr/max_abs_diff"]!, 0, 1e-4));
        Assert.Equal(8, Greedy(model).Length);
    }

    [Fact]
    public void OnlineDpoWithLoraTrainsTheAdapterAndSavesAnAdapterFolder()
    {
        string output = Out("online-dpo");
        Ok(HybridProcess.Run("online-dpo", "--model", f.Model, "--prompts", f.Prompts, "--out", output, "--iterations", "3",
            "--prompts-per-iteration", "4", "--samples-per-prompt", "4", "--max-new-tokens", "4", "--lr", "1e-2", "--lora-r", "4"));
        JsonObject config = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "adapter_config.json")))!.AsObject();
        Assert.Equal(Path.GetFullPath(f.Model), (string)config["base_model_name_or_path"]!);
        Assert.Equal(["q_proj", "v_proj"], config["target_modules"]!.AsArray().Select(n => (string)n!).Order());  // PEFT's default targets
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")));
        double pairs = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())
            .Sum(r => r["pairs/count"] is JsonNode n ? (double)n : 0);
        Assert.True(pairs > 0, "no preference pair formed: the adapter would not have been trained");
        Dictionary<string, Tensor> adapter = SafeTensors.Load(Path.Combine(output, "adapter_model.safetensors"));
        try
        {
            Assert.All(adapter.Keys, k => Assert.Matches(@"\.(q|v)_proj\.lora_[AB]\.weight$", k));
            Assert.True(adapter.Where(kv => kv.Key.EndsWith("lora_B.weight", StringComparison.Ordinal)).Max(kv => kv.Value.abs().max().item<float>()) > 0,
                        "B starts at 0 and was trained");
        }
        finally { foreach (Tensor t in adapter.Values) t.Dispose(); }
        Assert.Equal(8, Greedy(output).Length);   // the adapter folder loads (merged into its base) wherever a model is read
    }

    [Fact]
    public void RewardLoraIsASeqClsAdapterWhoseMergedExportScoresAsAMergeByHand()
    {
        string rm = Out("rm"), merged = Out("rm-merged"), byHand = Out("rm-byhand"), exportHand = Out("rm-hand-export");
        Ok(HybridProcess.Run("reward", "--model", f.Model, "--data", f.PreferenceData, "--out", rm, "--max-steps", "6", "--lr", "1e-2",
                             "--lora-r", "4", "--lora-alpha", "8", "--lora-target-modules", "q_proj", "v_proj", "o_proj"));
        JsonObject config = JsonNode.Parse(File.ReadAllText(Path.Combine(rm, "adapter_config.json")))!.AsObject();
        Assert.Equal("SEQ_CLS", (string)config["task_type"]!);
        Assert.Equal(["score"], config["modules_to_save"]!.AsArray().Select(n => (string)n!));

        // The hand merge: the base's decoder weights + (α / r)·B·A, the adapter's score head, a sequence-classifier config.
        Directory.CreateDirectory(byHand);
        foreach (string file in Directory.GetFiles(f.Model)) File.Copy(file, Path.Combine(byHand, Path.GetFileName(file)));
        JsonObject modelConfig = JsonNode.Parse(File.ReadAllText(Path.Combine(f.Model, "config.json")))!.AsObject();
        modelConfig["architectures"] = new JsonArray("Qwen2ForSequenceClassification");
        modelConfig["num_labels"] = 1;
        File.WriteAllText(Path.Combine(byHand, "config.json"), modelConfig.ToJsonString());
        Dictionary<string, Tensor> weights = SafeTensors.Load(Path.Combine(f.Model, "model.safetensors"));
        Dictionary<string, Tensor> adapter = SafeTensors.Load(Path.Combine(rm, "adapter_model.safetensors"));
        try
        {
            Assert.Equal(1 + 4 * 3 * 2, adapter.Count);                                           // the score head + A/B of q, v, o in 4 layers
            MergeByHand(weights, adapter, scaling: 8.0 / 4);
            weights["score.weight"] = adapter["base_model.model.score.weight"].clone();
            SafeTensors.Save(Path.Combine(byHand, "model.safetensors"), weights);
        }
        finally { foreach (Tensor t in weights.Values.Concat(adapter.Values)) t.Dispose(); }

        string pairs = Out("pairs") + ".jsonl";
        File.WriteAllLines(pairs, Enumerable.Range(0, 6).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+1=", response = $"{i + 1}" })));
        double[] Scores(string exported)
        {
            string output = Out("scores") + ".jsonl";
            Ok(HybridProcess.Run("score", "--model", exported, "--data", pairs, "--out", output));
            return File.ReadAllLines(output).Select(l => (double)JsonNode.Parse(l)!["score"]!).ToArray();
        }
        Ok(HybridProcess.Run("export", "--model", rm, "--out", merged, "--merge-lora"));
        Ok(HybridProcess.Run("export", "--model", byHand, "--out", exportHand));
        double[] fromMerge = Scores(merged), fromHand = Scores(exportHand);
        for (int i = 0; i < fromHand.Length; i++) Assert.Equal(fromHand[i], fromMerge[i], 5);
        Assert.True(fromMerge.Max() - fromMerge.Min() > 1e-3, "the scores do not depend on the response: the check would be vacuous");
    }

    private string[] Greedy(string model)
    {
        string output = Out("gen") + ".jsonl";
        Ok(HybridProcess.Run("generate", "--model", model, "--data", f.Prompts, "--out", output, "--max-new-tokens", "6", "--temperature", "0"));
        return File.ReadAllLines(output).Select(l => (string)JsonNode.Parse(l)!["completion"]!).ToArray();
    }

    [Theory]
    [InlineData(new[] { "--lora-alpha", "16" }, "error: --lora-alpha configures LoRA: add --lora-r R")]
    [InlineData(new[] { "--lora-r", "0" }, "error: --lora-r = 0: must be >= 1")]
    [InlineData(new[] { "--lora-r", "2", "--lora-target-modules", "qproj" }, "error: --lora-target-modules: 'qproj' is not a decoder projection")]
    [InlineData(new[] { "--lora-r", "2", "--lora-dropout", "1" }, "error: --lora-dropout")]
    public void AWrongLoraFlagIsOneLineAndNothingIsWritten(string[] flags, string message)
    {
        string output = Out("bad");
        var (code, stdout, stderr) = HybridProcess.Run(["sft", "--model", f.Model, "--data", f.SftData, "--out", output, .. flags]);
        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.StartsWith(message, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(output));
    }
}
