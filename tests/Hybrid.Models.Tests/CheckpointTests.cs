// HF checkpoint folders: round trips (F32, BF16, sharded), a hand-made F16 file, tied heads, overwrite and failed saves.
using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

/// <summary>Small configs, seeded tensors, a temp folder, and a safetensors writer built from the spec (not from SafeTensors.Save).</summary>
internal static class CheckpointFixtures
{
    /// <summary>Qwen2 layout (q/k/v biases), untied: every kind of tensor a checkpoint holds. 2 layers, D=8, V=10.</summary>
    public static DecoderConfig Qwen(bool tied = false) => new DecoderConfig
    {
        ModelType = "qwen2", VocabSize = 10, HiddenSize = 8, IntermediateSize = 12, NumHiddenLayers = 2,
        NumAttentionHeads = 2, NumKeyValueHeads = 1, HeadDim = 4, TieWordEmbeddings = tied, BosTokenId = 0, EosTokenIds = [1], PadTokenId = 0,
    }.Validate();

    /// <summary>Llama layout (no biases), tied: 1 layer, D=4, V=6.</summary>
    public static DecoderConfig TinyLlama() => new DecoderConfig
    {
        ModelType = "llama", VocabSize = 6, HiddenSize = 4, IntermediateSize = 6, NumHiddenLayers = 1,
        NumAttentionHeads = 2, NumKeyValueHeads = 1, HeadDim = 2, TieWordEmbeddings = true,
    }.Validate();

    /// <summary>Seeded N(0,1) tensors for every parameter, caller-owned.</summary>
    public static Dictionary<string, Tensor> RandomTensors(DecoderConfig config, ulong seed = 1)
    {
        TensorUtil.ManualSeed(seed);
        return config.ParameterShapes().ToDictionary(p => p.Name, p => torch.randn(p.Shape).DetachFromDisposeScope());
    }

    public static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (Tensor t in tensors.Values) t.Dispose();
    }

    /// <summary>
    /// Writes a safetensors file byte by byte from the format description: u64 little-endian header size, the JSON header
    /// (<c>{"name": {"dtype", "shape", "data_offsets"}}</c>), then the data.
    /// </summary>
    public static void WriteSafeTensors(string path, IEnumerable<(string Name, string DType, long[] Shape, byte[] Data)> tensors, string? headerOverride = null)
    {
        var header = new JsonObject();
        var data = new MemoryStream();
        foreach ((string name, string dtype, long[] shape, byte[] bytes) in tensors)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = dtype,
                ["shape"] = new JsonArray(shape.Select(s => (JsonNode)s).ToArray()),
                ["data_offsets"] = new JsonArray(data.Length, data.Length + bytes.Length),
            };
            data.Write(bytes);
        }
        byte[] json = Encoding.UTF8.GetBytes(headerOverride ?? header.ToJsonString());
        using var fs = File.Create(path);
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)json.Length);
        fs.Write(len);
        fs.Write(json);
        fs.Write(data.ToArray());
    }

    /// <summary>Float32 little-endian bytes of <paramref name="count"/> copies of <paramref name="value"/>.</summary>
    public static byte[] F32(long count, float value = 0f)
    {
        var bytes = new byte[count * 4];
        for (long i = 0; i < count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan((int)i * 4), value);
        return bytes;
    }

    /// <summary>
    /// A checkpoint folder written by hand: config.json and one model.safetensors of F32 zeros holding
    /// <paramref name="tensors"/> (by default exactly the config's parameters).
    /// </summary>
    public static void WriteHandCheckpoint(string dir, DecoderConfig config, IEnumerable<(string Name, long[] Shape)>? tensors = null)
    {
        Directory.CreateDirectory(dir);
        config.Save(Path.Combine(dir, "config.json"));
        WriteSafeTensors(Path.Combine(dir, "model.safetensors"),
            (tensors ?? config.ParameterShapes()).Select(t => (t.Name, "F32", t.Shape, F32(t.Shape.Aggregate(1L, (a, b) => a * b)))));
    }

    public static float[] Values(Tensor t) => t.data<float>().ToArray();
}

/// <summary>A temporary folder deleted with the test.</summary>
internal sealed class TempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("hybrid-models-").FullName;

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

public sealed class CheckpointTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void Float32SaveThenLoadGivesIdenticalTensorsConfigAndGenerationConfig()
    {
        DecoderConfig config = CheckpointFixtures.Qwen();
        var generation = new GenerationConfig { BosTokenId = 0, EosTokenIds = [1, 2], PadTokenId = 0, DoSample = true, Temperature = 0.7, TopP = 0.8, TopK = 20, MaxNewTokens = 64 };
        long baseline = TensorUtil.LiveTensors;
        var original = CheckpointFixtures.RandomTensors(config);
        try
        {
            HfCheckpoint.Save(_tmp["ckpt"], config, original, new SaveOptions { Generation = generation });

            using LoadedCheckpoint loaded = HfCheckpoint.Load(_tmp["ckpt"]);
            Assert.Equal(config.ParameterShapes().Select(p => p.Name).Order(), loaded.Tensors.Keys.Order());
            foreach ((string name, Tensor t) in original)
            {
                Assert.Equal(ScalarType.Float32, loaded.Tensors[name].dtype);
                Assert.Equal(t.shape, loaded.Tensors[name].shape);
                Assert.Equal(CheckpointFixtures.Values(t), CheckpointFixtures.Values(loaded.Tensors[name]));
            }
            Assert.Equal(config.ToJson().ToJsonString(), loaded.Config.ToJson().ToJsonString());
            Assert.NotNull(loaded.Generation);
            Assert.Equal([1, 2], loaded.Generation!.EosTokenIds);
            Assert.Equal((0, 0, true, 0.7, 0.8, 20, 64), (loaded.Generation.BosTokenId, loaded.Generation.PadTokenId, loaded.Generation.DoSample,
                loaded.Generation.Temperature, loaded.Generation.TopP, loaded.Generation.TopK, loaded.Generation.MaxNewTokens));
            Assert.Equal(Path.GetFullPath(_tmp["ckpt"]), loaded.Directory);
        }
        finally
        {
            CheckpointFixtures.DisposeAll(original);
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
        // One weights file, no index, no temporaries, nothing beside the folder.
        Assert.Equal(["config.json", "generation_config.json", "model.safetensors"], Directory.GetFiles(_tmp["ckpt"]).Select(Path.GetFileName).Order());
        Assert.Equal([_tmp["ckpt"]], Directory.GetFileSystemEntries(_tmp.Path));
    }

    [Fact]
    public void Bfloat16SaveRoundsToNearestEvenAndIsExactForBf16Values()
    {
        DecoderConfig config = CheckpointFixtures.Qwen();
        var original = CheckpointFixtures.RandomTensors(config, seed: 3);
        // Make one tensor exactly BF16-representable by clearing the low 16 mantissa bits (an independent construction).
        float[] representable = CheckpointFixtures.Values(original["model.norm.weight"])
            .Select(v => BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v) & unchecked((int)0xFFFF0000))).ToArray();
        original["model.norm.weight"].Dispose();
        original["model.norm.weight"] = torch.tensor(representable).DetachFromDisposeScope();
        try
        {
            HfCheckpoint.Save(_tmp["bf16"], config, original, new SaveOptions { DType = ScalarType.BFloat16 });

            using LoadedCheckpoint loaded = HfCheckpoint.Load(_tmp["bf16"]);
            Assert.Equal("bfloat16", loaded.Config.TorchDtype);
            foreach ((string name, Tensor t) in original)
            {
                float[] want = CheckpointFixtures.Values(t), got = CheckpointFixtures.Values(loaded.Tensors[name]);
                for (int i = 0; i < want.Length; i++)
                {
                    Assert.Equal(RoundToBf16(want[i]), got[i]);  // round-to-nearest-even, computed here bit by bit
                    Assert.True(Math.Abs(got[i] - want[i]) <= Math.Abs(want[i]) * Math.Pow(2, -8), $"{name}[{i}]: {got[i]} vs {want[i]}");
                }
            }
            Assert.Equal(representable, CheckpointFixtures.Values(loaded.Tensors["model.norm.weight"]));
        }
        finally
        {
            CheckpointFixtures.DisposeAll(original);
        }
        // The file really stores BF16: read the header by hand.
        using var fs = File.OpenRead(_tmp["bf16/model.safetensors"]);
        var len = new byte[8];
        fs.ReadExactly(len);
        var header = new byte[BinaryPrimitives.ReadUInt64LittleEndian(len)];
        fs.ReadExactly(header);
        using var doc = JsonDocument.Parse(header);
        Assert.Equal("BF16", doc.RootElement.GetProperty("lm_head.weight").GetProperty("dtype").GetString());
        Assert.Equal("pt", doc.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
    }

    private static float RoundToBf16(float value)
    {
        uint bits = BitConverter.SingleToUInt32Bits(value);
        uint rounded = (bits + 0x7FFFu + ((bits >> 16) & 1u)) & 0xFFFF0000u;  // finite inputs only
        return BitConverter.UInt32BitsToSingle(rounded);
    }

    [Fact]
    public void ShardedSaveWritesAnIndexAndLoadsBack()
    {
        DecoderConfig config = CheckpointFixtures.Qwen();
        var original = CheckpointFixtures.RandomTensors(config, seed: 5);
        const long maxShard = 1000;  // bytes: the 10x8 embedding (320 B) and the 12x8 MLP matrices (384 B) force many shards
        try
        {
            HfCheckpoint.Save(_tmp["sharded"], config, original, new SaveOptions { MaxShardBytes = maxShard });

            string[] shards = Directory.GetFiles(_tmp["sharded"], "model-*-of-*.safetensors").Select(Path.GetFileName).Order().ToArray()!;
            Assert.True(shards.Length > 2, $"expected several shards, got {shards.Length}");
            Assert.False(File.Exists(_tmp["sharded/model.safetensors"]));
            Assert.Equal($"model-00001-of-{shards.Length:D5}.safetensors", shards[0]);
            foreach (string shard in shards)
                Assert.True(new FileInfo(Path.Combine(_tmp["sharded"], shard)).Length < maxShard + 2000);  // data ≤ max + header

            using var index = JsonDocument.Parse(File.ReadAllBytes(_tmp["sharded/model.safetensors.index.json"]));
            var map = index.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            Assert.Equal(config.ParameterShapes().Select(p => p.Name).Order(), map.Keys.Order());
            Assert.Equal(shards, map.Values.Distinct().Order());
            long totalBytes = config.ParameterCount() * 4;
            Assert.Equal(totalBytes, index.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());

            using LoadedCheckpoint loaded = HfCheckpoint.Load(_tmp["sharded"]);
            foreach ((string name, Tensor t) in original)
                Assert.Equal(CheckpointFixtures.Values(t), CheckpointFixtures.Values(loaded.Tensors[name]));
        }
        finally
        {
            CheckpointFixtures.DisposeAll(original);
        }
    }

    [Fact]
    public void AFloat16FileWrittenByHandLoadsAsFloat32()
    {
        DecoderConfig config = CheckpointFixtures.TinyLlama();
        string dir = _tmp["f16"];
        Directory.CreateDirectory(dir);
        config.Save(Path.Combine(dir, "config.json"));
        // Tensor k holds the values k + j/4 (exact in F16), stored as F16 bit patterns computed by System.Half.
        var expected = new Dictionary<string, float[]>();
        var tensors = new List<(string, string, long[], byte[])>();
        int k = 0;
        foreach ((string name, long[] shape) in config.ParameterShapes())
        {
            int n = (int)shape.Aggregate(1L, (a, b) => a * b);
            float[] values = Enumerable.Range(0, n).Select(j => (k % 2 == 0 ? 1 : -1) * (k + j / 4f)).ToArray();
            var bytes = new byte[n * 2];
            for (int j = 0; j < n; j++) BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(j * 2), BitConverter.HalfToUInt16Bits((Half)values[j]));
            expected[name] = values;
            tensors.Add((name, "F16", shape, bytes));
            k++;
        }
        // A rotary buffer some exporters keep: ignored on load.
        tensors.Add(("model.layers.0.self_attn.rotary_emb.inv_freq", "F32", [1], CheckpointFixtures.F32(1, 1f)));
        CheckpointFixtures.WriteSafeTensors(Path.Combine(dir, "model.safetensors"), tensors);

        using LoadedCheckpoint loaded = HfCheckpoint.Load(dir);

        Assert.Equal(expected.Keys.Order(), loaded.Tensors.Keys.Order());
        foreach ((string name, float[] values) in expected)
        {
            Assert.Equal(ScalarType.Float32, loaded.Tensors[name].dtype);
            Assert.Equal(values, CheckpointFixtures.Values(loaded.Tensors[name]));
        }
        Assert.Null(loaded.Generation);
    }

    [Fact]
    public void ATiedModelAcceptsAStrayLmHeadEqualToTheEmbeddingAndRejectsADifferentOne()
    {
        DecoderConfig config = CheckpointFixtures.TinyLlama();
        long[] headShape = [config.VocabSize, config.HiddenSize];
        string dir = _tmp["tied"];
        var all = config.ParameterShapes().Append(("lm_head.weight", headShape)).ToList();
        CheckpointFixtures.WriteHandCheckpoint(dir, config, all);  // all zeros: the head equals the embedding

        using (LoadedCheckpoint loaded = HfCheckpoint.Load(dir))
            Assert.DoesNotContain("lm_head.weight", loaded.Tensors.Keys);

        CheckpointFixtures.WriteSafeTensors(Path.Combine(dir, "model.safetensors"), all.Select(t =>
            (t.Item1, "F32", t.Item2, CheckpointFixtures.F32(t.Item2.Aggregate(1L, (a, b) => a * b), t.Item1 == "lm_head.weight" ? 1f : 0f))));
        var error = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(dir));
        Assert.Contains("'lm_head.weight' differs from 'model.embed_tokens.weight'", error.Message);
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void TokenizerFilesAreCarriedAlong()
    {
        string source = _tmp["tok"];
        Directory.CreateDirectory(source);
        File.WriteAllText(Path.Combine(source, "tokenizer.json"), "{\"a\": 1}");
        File.WriteAllText(Path.Combine(source, "tokenizer_config.json"), "{\"b\": 2}");
        File.WriteAllText(Path.Combine(source, "merges.txt"), "#version: 0.2\n");
        File.WriteAllText(Path.Combine(source, "unrelated.txt"), "not a tokenizer file");
        DecoderConfig config = CheckpointFixtures.TinyLlama();
        var tensors = CheckpointFixtures.RandomTensors(config);
        try
        {
            HfCheckpoint.Save(_tmp["out"], config, tensors, new SaveOptions { TokenizerSourceDir = source });
        }
        finally
        {
            CheckpointFixtures.DisposeAll(tensors);
        }
        Assert.Equal("{\"a\": 1}", File.ReadAllText(_tmp["out/tokenizer.json"]));
        Assert.Equal("{\"b\": 2}", File.ReadAllText(_tmp["out/tokenizer_config.json"]));
        Assert.True(File.Exists(_tmp["out/merges.txt"]));
        Assert.False(File.Exists(_tmp["out/unrelated.txt"]));
        Assert.False(File.Exists(_tmp["out/vocab.json"]));
    }

    [Fact]
    public void SavingOverAShardedCheckpointRemovesStaleShardsAndKeepsOtherFiles()
    {
        DecoderConfig config = CheckpointFixtures.Qwen();
        var first = CheckpointFixtures.RandomTensors(config, seed: 1);
        var second = CheckpointFixtures.RandomTensors(config, seed: 2);
        try
        {
            HfCheckpoint.Save(_tmp["ckpt"], config, first, new SaveOptions { MaxShardBytes = 1000 });
            File.WriteAllText(_tmp["ckpt/trainer_state.json"], "{}");

            HfCheckpoint.Save(_tmp["ckpt"], config, second);

            Assert.Equal(["config.json", "model.safetensors", "trainer_state.json"], Directory.GetFiles(_tmp["ckpt"]).Select(Path.GetFileName).Order());
            using LoadedCheckpoint loaded = HfCheckpoint.Load(_tmp["ckpt"]);
            Assert.Equal(CheckpointFixtures.Values(second["lm_head.weight"]), CheckpointFixtures.Values(loaded.Tensors["lm_head.weight"]));
        }
        finally
        {
            CheckpointFixtures.DisposeAll(first);
            CheckpointFixtures.DisposeAll(second);
        }
    }

    [Fact]
    public void AFailedSaveLeavesNothingHalfWritten()
    {
        DecoderConfig config = CheckpointFixtures.Qwen();
        var old = CheckpointFixtures.RandomTensors(config, seed: 1);
        var next = CheckpointFixtures.RandomTensors(config, seed: 2);
        string emptyTokenizerDir = _tmp["no-tokenizer"];
        Directory.CreateDirectory(emptyTokenizerDir);
        try
        {
            // New folder: the weights are written, then copying the tokenizer fails: no folder appears.
            var error = Assert.Throws<CheckpointException>(() =>
                HfCheckpoint.Save(_tmp["new"], config, next, new SaveOptions { TokenizerSourceDir = emptyTokenizerDir, MaxShardBytes = 1000 }));
            Assert.Contains("no tokenizer files", error.Message);
            Assert.Equal([emptyTokenizerDir], Directory.GetFileSystemEntries(_tmp.Path));  // no target, no staging folder

            // Existing checkpoint: it stays byte-for-byte what it was.
            HfCheckpoint.Save(_tmp["old"], config, old);
            var before = Directory.GetFiles(_tmp["old"]).ToDictionary(p => Path.GetFileName(p), File.ReadAllBytes);
            Assert.Throws<CheckpointException>(() =>
                HfCheckpoint.Save(_tmp["old"], config, next, new SaveOptions { TokenizerSourceDir = emptyTokenizerDir, MaxShardBytes = 1000 }));
            var after = Directory.GetFiles(_tmp["old"]).ToDictionary(p => Path.GetFileName(p), File.ReadAllBytes);
            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            foreach ((string name, byte[] bytes) in before) Assert.Equal(bytes, after[name]);
            Assert.Equal(2, Directory.GetFileSystemEntries(_tmp.Path).Length);

            // Invalid tensors are rejected before anything is written.
            var missing = new Dictionary<string, Tensor>(next);
            missing.Remove("model.layers.1.mlp.up_proj.weight");
            var missingError = Assert.Throws<CheckpointException>(() => HfCheckpoint.Save(_tmp["never"], config, missing));
            Assert.Contains("'model.layers.1.mlp.up_proj.weight' [12, 8] is missing", missingError.Message);
            var extra = new Dictionary<string, Tensor>(next) { ["model.layers.2.mlp.up_proj.weight"] = next["model.layers.1.mlp.up_proj.weight"] };
            Assert.Contains("unexpected tensor 'model.layers.2.mlp.up_proj.weight'", Assert.Throws<CheckpointException>(() => HfCheckpoint.Save(_tmp["never"], config, extra)).Message);
            var misshaped = new Dictionary<string, Tensor>(next) { ["model.norm.weight"] = next["model.layers.0.self_attn.k_proj.bias"] };
            Assert.Contains("'model.norm.weight' has shape [4], but the config implies [8]", Assert.Throws<CheckpointException>(() => HfCheckpoint.Save(_tmp["never"], config, misshaped)).Message);
            Assert.False(Directory.Exists(_tmp["never"]));
        }
        finally
        {
            CheckpointFixtures.DisposeAll(old);
            CheckpointFixtures.DisposeAll(next);
        }
    }

    [Fact]
    public void GenerationConfigReadsHuggingFaceFilesAndRejectsBadValues()
    {
        string path = _tmp["generation_config.json"];
        File.WriteAllText(path, """{"bos_token_id": 151643, "eos_token_id": [151645, 151643], "pad_token_id": 151643, "do_sample": true, "temperature": 0.7, "top_p": 0.8, "top_k": 20, "repetition_penalty": 1.05, "transformers_version": "4.37.0"}""");
        GenerationConfig g = GenerationConfig.Load(path);
        Assert.Equal([151645, 151643], g.EosTokenIds);
        Assert.Equal((true, 0.7, 0.8, 20, (int?)null), (g.DoSample, g.Temperature, g.TopP, g.TopK, g.MaxNewTokens));

        File.WriteAllText(path, """{"eos_token_id": 2}""");
        GenerationConfig defaults = GenerationConfig.Load(path);
        Assert.Equal((false, 1.0, 1.0, 50), (defaults.DoSample, defaults.Temperature, defaults.TopP, defaults.TopK));  // transformers' defaults

        File.WriteAllText(path, """{"top_p": 1.5}""");
        var error = Assert.Throws<ConfigException>(() => GenerationConfig.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'top_p' = 1.5", error.Message);
    }
}
