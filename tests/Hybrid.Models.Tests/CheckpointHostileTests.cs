// Untrusted checkpoint folders: corrupt headers and indexes, escaping paths and wrong tensors fail naming file and tensor/field.
using System.Text.Json.Nodes;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Serialization;

namespace Hybrid.Models.Tests;

public sealed class CheckpointHostileTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private readonly DecoderConfig _config = CheckpointFixtures.TinyLlama();

    public void Dispose() => _tmp.Dispose();

    private string Dir => _tmp["ckpt"];
    private string Weights => Path.Combine(Dir, "model.safetensors");
    private string IndexPath => Path.Combine(Dir, SafeTensorsIndex.FileName);

    private void WriteSharded()
    {
        var tensors = CheckpointFixtures.RandomTensors(_config);
        try { HfCheckpoint.Save(Dir, _config, tensors, new SaveOptions { MaxShardBytes = 64 }); }
        finally { CheckpointFixtures.DisposeAll(tensors); }
    }

    private JsonObject ReadIndex() => (JsonObject)JsonNode.Parse(File.ReadAllText(IndexPath))!;

    private void WriteIndex(JsonObject index) => File.WriteAllText(IndexPath, index.ToJsonString());

    private static void AssertMentions(Exception error, params string[] parts)
    {
        foreach (string part in parts) Assert.Contains(part, error.Message);
    }

    [Fact]
    public void AMissingTensorIsNamed()
    {
        CheckpointFixtures.WriteHandCheckpoint(Dir, _config, _config.ParameterShapes().Where(p => p.Name != "model.layers.0.mlp.down_proj.weight"));

        var error = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, Weights, "'model.layers.0.mlp.down_proj.weight' [4, 6] is missing", "config.json");
    }

    [Fact]
    public void AnUnexpectedTensorIsNamed()
    {
        CheckpointFixtures.WriteHandCheckpoint(Dir, _config, _config.ParameterShapes().Append(("model.layers.1.input_layernorm.weight", [4])));

        var error = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, Weights, "unexpected tensor 'model.layers.1.input_layernorm.weight'", "1 layers");
    }

    [Fact]
    public void AShapeMismatchNamesTensorBothShapesAndFile()
    {
        CheckpointFixtures.WriteHandCheckpoint(Dir, _config, _config.ParameterShapes().Select(p =>
            p.Name == "model.layers.0.self_attn.k_proj.weight" ? (p.Name, new long[] { 4, 4 }) : p));

        var error = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, Weights, "'model.layers.0.self_attn.k_proj.weight' has shape [4, 4]", "implies [2, 4]");
    }

    [Fact]
    public void AnIntegerParameterIsRejected()
    {
        Directory.CreateDirectory(Dir);
        _config.Save(Path.Combine(Dir, "config.json"));
        CheckpointFixtures.WriteSafeTensors(Weights, _config.ParameterShapes().Select(p =>
        {
            long n = p.Shape.Aggregate(1L, (a, b) => a * b);
            return p.Name == "model.norm.weight" ? (p.Name, "I32", p.Shape, new byte[n * 4]) : (p.Name, "F32", p.Shape, CheckpointFixtures.F32(n));
        }));

        var error = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, Weights, "'model.norm.weight' has dtype I32");
    }

    [Theory]
    [InlineData("""{"model.norm.weight": {"dtype": "F32", "shape": [4], "data_offsets": [0, 99999]}}""", "data_offsets")]
    [InlineData("""{"model.norm.weight": {"dtype": "F32", "shape": [4, -1], "data_offsets": [0, 16]}}""", "negative")]
    [InlineData("""{"model.norm.weight": {"dtype": "Q4", "shape": [4], "data_offsets": [0, 16]}}""", "'dtype' = 'Q4'")]
    [InlineData("""{"model.norm.weight": [1, 2]""", "not valid JSON")]
    public void ACorruptHeaderNamesTheFileAndField(string header, string field)
    {
        Directory.CreateDirectory(Dir);
        _config.Save(Path.Combine(Dir, "config.json"));
        CheckpointFixtures.WriteSafeTensors(Weights, [("model.norm.weight", "F32", [4], CheckpointFixtures.F32(4))], headerOverride: header);

        var error = Assert.Throws<SafeTensorsFormatException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, Weights, field);
    }

    [Fact]
    public void AHeaderLengthPastTheEndOfTheFileIsRejected()
    {
        Directory.CreateDirectory(Dir);
        _config.Save(Path.Combine(Dir, "config.json"));
        File.WriteAllBytes(Weights, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0, (byte)'{', (byte)'}']);

        var error = Assert.Throws<SafeTensorsFormatException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, Weights, "header length");
    }

    [Fact]
    public void AMissingShardIsNamed()
    {
        WriteSharded();
        string shard = (string)ReadIndex()["weight_map"]!["model.norm.weight"]!;
        File.Delete(Path.Combine(Dir, shard));

        var error = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, IndexPath, shard, "does not exist");
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("sub/model-00001-of-00002.safetensors")]
    [InlineData("/etc/passwd")]
    [InlineData("..")]
    [InlineData("model.bin")]
    public void AShardPathLeavingTheFolderIsRejectedBeforeAnyFileIsOpened(string hostile)
    {
        WriteSharded();
        // A real file where an escaping path would land, to show it is never opened.
        File.Copy(Directory.GetFiles(Dir, "model-*.safetensors")[0], _tmp["outside.safetensors"]);
        JsonObject index = ReadIndex();
        index["weight_map"]!["model.norm.weight"] = hostile;
        WriteIndex(index);

        var error = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, IndexPath, "weight_map['model.norm.weight']", hostile);
    }

    [Fact]
    public void AnIndexThatDisagreesWithItsShardsIsRejected()
    {
        WriteSharded();
        JsonObject index = ReadIndex();
        var map = (JsonObject)index["weight_map"]!;
        string normShard = (string)map["model.norm.weight"]!;
        string otherShard = map.Select(p => (string)p.Value!).First(f => f != normShard);

        map["model.norm.weight"] = otherShard;  // the tensor is in one shard, the index says another
        WriteIndex(index);
        var moved = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));
        AssertMentions(moved, normShard, "'model.norm.weight'", $"maps it to \"{otherShard}\"");

        map.Remove("model.norm.weight");  // the tensor is in a shard but not in the index
        WriteIndex(index);
        var unlisted = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));
        AssertMentions(unlisted, normShard, "'model.norm.weight' is not listed in the weight_map", IndexPath);

        map["model.norm.weight"] = normShard;
        map["model.layers.0.mlp.extra.weight"] = normShard;  // listed but absent
        WriteIndex(index);
        var absent = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));
        AssertMentions(absent, IndexPath, "weight_map['model.layers.0.mlp.extra.weight']", "has no tensor");
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"metadata": {"total_size": 1}}""", "'weight_map' is missing")]
    [InlineData("""{"weight_map": {}}""", "'weight_map' is empty")]
    [InlineData("""{"weight_map": {"model.norm.weight": 7}}""", "weight_map['model.norm.weight'] = 7")]
    [InlineData("""{"metadata": {"total_size": -5}, "weight_map": {"a": "b.safetensors"}}""", "metadata.total_size")]
    public void AMalformedIndexNamesTheField(string json, string expected)
    {
        WriteSharded();
        File.WriteAllText(IndexPath, json);

        var error = Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, IndexPath, expected);
    }

    [Fact]
    public void AFolderWithoutConfigOrWeightsSaysWhatIsMissing()
    {
        Directory.CreateDirectory(Dir);
        AssertMentions(Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir)), Dir, "config.json");

        _config.Save(Path.Combine(Dir, "config.json"));
        AssertMentions(Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir)), "model.safetensors", SafeTensorsIndex.FileName);

        AssertMentions(Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(_tmp["nowhere"])), "nowhere", "does not exist");
    }

    [Fact]
    public void ABadConfigFieldIsNamed()
    {
        CheckpointFixtures.WriteHandCheckpoint(Dir, _config);
        var json = (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Dir, "config.json")))!;
        json["rope_scaling"] = new JsonObject { ["type"] = "yarn" };
        File.WriteAllText(Path.Combine(Dir, "config.json"), json.ToJsonString());

        var error = Assert.Throws<ConfigException>(() => HfCheckpoint.Load(Dir));

        AssertMentions(error, "config.json", "'rope_scaling'");
    }

    [Fact]
    public void AFailedLoadLeaksNoTensors()
    {
        long baseline = TensorUtil.LiveTensors;
        var all = _config.ParameterShapes().Append(("lm_head.weight", new long[] { 6, 4 })).ToList();
        Directory.CreateDirectory(Dir);
        _config.Save(Path.Combine(Dir, "config.json"));
        CheckpointFixtures.WriteSafeTensors(Weights, all.Select(t =>
            (t.Item1, "F32", t.Item2, CheckpointFixtures.F32(t.Item2.Aggregate(1L, (a, b) => a * b), t.Item1 == "lm_head.weight" ? 2f : 0f))));

        Assert.Throws<CheckpointException>(() => HfCheckpoint.Load(Dir));

        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }
}
