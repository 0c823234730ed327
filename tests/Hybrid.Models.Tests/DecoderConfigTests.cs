// config.json parsing: HF defaults and derived fields, round trip, and rejections that name the field.
using System.Text.Json.Nodes;
using Hybrid.Models.Config;

namespace Hybrid.Models.Tests;

public class DecoderConfigTests
{
    private const string Qwen2 = """
        {"architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "vocab_size": 151936, "hidden_size": 896,
         "intermediate_size": 4864, "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
         "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "max_position_embeddings": 32768, "tie_word_embeddings": true,
         "hidden_act": "silu", "use_sliding_window": false, "rope_scaling": null, "bos_token_id": 151643,
         "eos_token_id": 151645, "torch_dtype": "bfloat16"}
        """;

    private static DecoderConfig Parse(string json) => DecoderConfig.FromJson((JsonObject)JsonNode.Parse(json)!, "config.json");

    private static string With(string field, string value)
    {
        var o = (JsonObject)JsonNode.Parse(Qwen2)!;
        if (value == "<absent>") o.Remove(field); else o[field] = JsonNode.Parse(value);
        return o.ToJsonString();
    }

    [Fact]
    public void ReadsAQwen2ConfigAsPublishedWithDerivedFields()
    {
        DecoderConfig c = Parse(Qwen2);
        Assert.Equal(896 / 14, c.HeadDim);           // no head_dim field: hidden / heads
        Assert.True(c.QkvBias);                      // Qwen2 always has q/k/v biases
        Assert.False(c.OutputProjectionBias);
        Assert.Equal([151645], c.EosTokenIds);
        Assert.Equal(1e6, c.RopeTheta);
        // Tied: no lm_head tensor; per layer 4 projections + 3 biases + 3 MLP + 2 norms = 12 tensors.
        var names = c.ParameterShapes().Select(p => p.Name).ToList();
        Assert.Equal(1 + 24 * 12 + 1, names.Count);
        Assert.DoesNotContain("lm_head.weight", names);
        Assert.Contains(("model.layers.3.self_attn.k_proj.weight", new long[] { 2 * 64, 896 }),
            c.ParameterShapes().Select(p => (p.Name, p.Shape)), new ShapeComparer());
    }

    [Fact]
    public void LlamaAttentionBiasAppliesToAllFourProjectionsAndEosMayBeAList()
    {
        DecoderConfig c = Parse("""
            {"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 1,
             "num_attention_heads": 4, "head_dim": 32, "attention_bias": true, "eos_token_id": [1, 2]}
            """);
        Assert.Equal(32, c.HeadDim);
        Assert.True(c.QkvBias && c.OutputProjectionBias);
        Assert.Equal(4, c.NumKeyValueHeads);         // defaults to num_attention_heads
        Assert.Equal([1, 2], c.EosTokenIds);
        Assert.Contains(c.ParameterShapes(), p => p.Name == "model.layers.0.self_attn.o_proj.bias");
        Assert.Contains(c.ParameterShapes(), p => p.Name == "lm_head.weight");
    }

    [Fact]
    public void SaveThenLoadGivesTheSameConfig()
    {
        string path = Path.Combine(Path.GetTempPath(), $"hybrid-config-{Guid.NewGuid():N}.json");
        try
        {
            DecoderConfig c = Parse(Qwen2);
            c.Save(path);
            DecoderConfig back = DecoderConfig.Load(path);
            Assert.Equal(c.ToJson().ToJsonString(), back.ToJson().ToJsonString());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("model_type", "\"gpt2\"", "field 'model_type' = \"gpt2\" is not supported: expected one of qwen2, llama")]
    [InlineData("hidden_act", "\"gelu\"", "field 'hidden_act' = \"gelu\" is not supported")]
    [InlineData("rope_scaling", "{\"type\": \"yarn\", \"factor\": 4}", "field 'rope_scaling'")]
    [InlineData("use_sliding_window", "true", "field 'use_sliding_window' = true is not supported")]
    [InlineData("num_key_value_heads", "3", "field 'num_key_value_heads' = 3 is not supported: must be > 0 and divide num_attention_heads (14)")]
    [InlineData("hidden_size", "\"896\"", "field 'hidden_size' = \"896\" is not an integer")]
    [InlineData("vocab_size", "<absent>", "field 'vocab_size' is missing")]
    [InlineData("eos_token_id", "200000", "field 'eos_token_id' = 200000 is not supported: must be in [0, vocab_size = 151936)")]
    [InlineData("hidden_size", "900", "field 'hidden_size' = 900 is not divisible by num_attention_heads = 14")]
    public void UnsupportedOrMalformedFieldsAreRejectedByName(string field, string value, string expected)
    {
        var ex = Assert.Throws<ConfigException>(() => Parse(With(field, value)));
        Assert.StartsWith("config.json: ", ex.Message);
        Assert.Contains(expected, ex.Message);
    }

    private sealed class ShapeComparer : IEqualityComparer<(string, long[])>
    {
        public bool Equals((string, long[]) a, (string, long[]) b) => a.Item1 == b.Item1 && a.Item2.SequenceEqual(b.Item2);
        public int GetHashCode((string, long[]) x) => x.Item1.GetHashCode();
    }
}
