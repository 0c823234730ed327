// Shared fixtures of the scoring tests: a tiny model folder (tokenizer + config) and a hand-checkable ONNX score model.
using Hybrid.Export.Onnx;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using static Hybrid.Export.Onnx.OnnxAttributes;
using DataType = Hybrid.Export.Onnx.TensorProto.Types.DataType;

namespace Hybrid.Rollout.Tests;

/// <summary>A temporary folder deleted with the fixture.</summary>
public sealed class ScoringTempDir : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("hybrid-scoring-").FullName;

    public string this[string name] => System.IO.Path.Combine(Path, name);

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

/// <summary>Building blocks the scoring tests share.</summary>
public static class ScoringTestKit
{
    /// <summary>A tiny Qwen2 config (2 layers, GQA 4/2 heads, D = 32, 128 positions).</summary>
    public static DecoderConfig TinyConfig(int vocab = 0) => new()
    {
        ModelType = "qwen2",
        VocabSize = vocab,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        RopeTheta = 10000,
        MaxPositionEmbeddings = 128,
    };

    /// <summary>
    /// A random checkpoint folder (config.json, model.safetensors, a BPE tokenizer of ~300 ids trained on short English and
    /// arithmetic lines, ChatML template) — the tokenizer and config a score model folder carries.
    /// </summary>
    public static CreatedModel CreateCheckpoint(string dir, ulong seed = 3, DecoderConfig? config = null)
    {
        string corpus = System.IO.Path.Combine(dir, "corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 300).Select(i =>
            $"Question {i % 13}: what is {i % 10}+{i / 10 % 10}? The answer is {(i % 10 + i / 10 % 10)}, said the assistant."));
        return ModelFactory.CreateRandom(config ?? TinyConfig(), new TokenizerRecipe { CorpusPath = corpus, VocabSize = 300 },
            System.IO.Path.Combine(dir, "checkpoint"), seed);
    }

    /// <summary>Per-token values of the stand-in score model: v[id] = sin(id) (distinct, signed, hand-computable).</summary>
    public static float[] TokenValues(int vocab) => Enumerable.Range(0, vocab).Select(i => MathF.Sin(i)).ToArray();

    /// <summary>The stand-in model's score, computed independently: the mean of v over the row's tokens.</summary>
    public static float MeanTokenScore(float[] values, IReadOnlyList<int> ids) => (float)ids.Average(id => (double)values[id]);

    /// <summary>
    /// A score model with the exported interface (input_ids, attention_mask [B, T] int64 → score [B] float32) whose score
    /// is the masked mean of a per-token value, so padding that leaked into the score would show:
    /// <code>
    /// input_ids ─► Gather(v) [B,T] ─► Mul(mask) ─► ReduceSum(1) [B] ─┐
    /// attention_mask ─► Cast(float) [B,T] ─────────► ReduceSum(1) [B] ─► Div ─► score [B]
    /// </code>
    /// Written as <c>model.onnx</c> into <paramref name="dir"/> (the tokenizer/config folder).
    /// </summary>
    public static void WriteMeanTokenScoreModel(string dir, float[] values)
    {
        var g = new OnnxGraphBuilder("mean_token_score");
        g.AddInput("input_ids", DataType.Int64, "batch_size", "sequence_length");
        g.AddInput("attention_mask", DataType.Int64, "batch_size", "sequence_length");
        string table = g.AddInitializer("token_value", values, values.Length);
        string axes = g.AddInt64Initializer("/constants/axes_1", [1], 1);
        string perToken = g.AddNode("Gather", "/score/Gather", [table, "input_ids"], Int("axis", 0));            // [B,T]
        string mask = g.AddNode("Cast", "/score/mask/Cast", ["attention_mask"], Int("to", (long)DataType.Float));   // [B,T]
        string masked = g.AddNode("Mul", "/score/Mul", [perToken, mask]);                                           // [B,T]
        string sum = g.AddNode("ReduceSum", "/score/sum/ReduceSum", [masked, axes], Int("keepdims", 0));          // [B]
        string count = g.AddNode("ReduceSum", "/score/count/ReduceSum", [mask, axes], Int("keepdims", 0));        // [B]
        g.AddNode("Div", "/score/Div", [sum, count], ["score"]);                                                   // [B]
        g.AddOutput("score", DataType.Float, "batch_size");
        OnnxModelWriter.Save(g.Build(), dir);
    }
}
