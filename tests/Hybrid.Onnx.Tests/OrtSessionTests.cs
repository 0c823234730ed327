// ONNX Runtime runs graphs written by Hybrid.Export: a hand-checked MatMul+Add+Relu and the tiny decoder's KV-cache graph.
using Hybrid.Export.Onnx;
using Hybrid.Export.Tests.TinyDecoder;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using DataType = Hybrid.Export.Onnx.TensorProto.Types.DataType;

namespace Hybrid.Onnx.Tests;

public sealed class OrtSessionTests : IDisposable
{
    private readonly TempFolder _folder = new("ort");

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void MatMulAddReluGivesHandCheckedOutputs()
    {
        // Y = relu(X·W + b) with W and b stored in model.onnx.data (threshold 0 moves every float initializer out).
        var g = new OnnxGraphBuilder("relu_affine");
        g.AddInput("X", DataType.Float, "batch", 3);
        string w = g.AddInitializer("W", [1, -1, 0, 2, 1, 0], 3, 2);
        string b = g.AddInitializer("b", [-1, -2], 2);
        string xw = g.AddNode("MatMul", "/affine/MatMul", ["X", w]);
        string z = g.AddNode("Add", "/affine/Add", [xw, b]);
        g.AddNode("Relu", "/act/Relu", [z], ["Y"]);
        g.AddOutput("Y", DataType.Float, "batch", 2);
        Assert.Equal(2, OnnxModelWriter.Save(g.Build(), _folder.Path, externalThreshold: 0));

        using var session = new InferenceSession(_folder["model.onnx"]);
        using var x = OrtValue.CreateTensorValueFromMemory<float>([1, 2, 3, -1, 0, 1], [2, 3]);
        using var runOptions = new RunOptions();
        using var outputs = session.Run(runOptions, ["X"], [x], ["Y"]);

        // Row 0: [1,2,3]·W = [1+0+3, -1+4+0] = [4, 3]; + b = [3, 1]; relu = [3, 1].
        // Row 1: [-1,0,1]·W = [-1+0+1, 1+0+0] = [0, 1]; + b = [-1, -1]; relu = [0, 0].
        Assert.Equal([2L, 2L], outputs[0].GetTensorTypeAndShape().Shape);
        Assert.Equal([3f, 1f, 0f, 0f], outputs[0].GetTensorDataAsSpan<float>().ToArray());
    }

    [Fact]
    public void TinyDecoderGraphMatchesTheReferenceThroughPrefillPaddingAndTheKvCache()
    {
        var config = new TinyDecoderConfig { VocabSize = 40, BosTokenId = 0, EosTokenId = 1, PadTokenId = 2 };
        var weights = TinyDecoderWeights.Random(config, seed: 11);
        var reference = new TinyDecoderReference(weights);
        OnnxModelWriter.Save(TinyDecoderGraph.Build(weights), _folder.Path);
        using var session = new InferenceSession(_folder["model.onnx"]);
        int heads = config.NumHeads, d = config.HeadSize, layers = config.NumLayers;

        var owned = new List<OrtValue>();
        OrtValue Own(OrtValue value)
        {
            owned.Add(value);
            return value;
        }
        try
        {
            // Prefill, B=2, S=4. Row 0 is a full prompt; row 1 a 2-token prompt left-padded (mask 0, pad id, position 0).
            int[] rowA = [5, 9, 3, 7], rowB = [11, 4];
            var prefill = new Dictionary<string, OrtValue>
            {
                ["input_ids"] = Own(OrtValue.CreateTensorValueFromMemory<long>([5, 9, 3, 7, 2, 2, 11, 4], [2, 4])),
                ["attention_mask"] = Own(OrtValue.CreateTensorValueFromMemory<long>([1, 1, 1, 1, 0, 0, 1, 1], [2, 4])),
                ["position_ids"] = Own(OrtValue.CreateTensorValueFromMemory<long>([0, 1, 2, 3, 0, 0, 0, 1], [2, 4])),
            };
            for (int l = 0; l < layers; l++)
            {
                prefill[$"past_key_values.{l}.key"] = Own(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [2, heads, 0, d]));
                prefill[$"past_key_values.{l}.value"] = Own(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [2, heads, 0, d]));
            }
            string[] outputNames = ["logits", .. Enumerable.Range(0, layers).SelectMany(l => new[] { $"present.{l}.key", $"present.{l}.value" })];
            using var runOptions = new RunOptions();
            using var first = session.Run(runOptions, prefill, outputNames);

            float[] logits = first[0].GetTensorDataAsSpan<float>().ToArray(); // [2,4,V]
            Assert.Equal([2L, 4L, config.VocabSize], first[0].GetTensorTypeAndShape().Shape);
            float[][] expectedA = reference.Logits(rowA), expectedB = reference.Logits(rowB);
            int v = config.VocabSize;
            for (int t = 0; t < 4; t++)
                Tolerance.AssertClose(expectedA[t], logits.AsSpan((0 * 4 + t) * v, v), 1e-4f, $"row 0 position {t}");
            for (int t = 0; t < 2; t++)
                Tolerance.AssertClose(expectedB[t], logits.AsSpan((1 * 4 + 2 + t) * v, v), 1e-4f, $"row 1 position {t}");
            Assert.Equal([2L, heads, 4L, d], first[1].GetTensorTypeAndShape().Shape);

            // One cached step: each row feeds one more token; the present tensors of the prefill become the past.
            var step = new Dictionary<string, OrtValue>
            {
                ["input_ids"] = Own(OrtValue.CreateTensorValueFromMemory<long>([8, 6], [2, 1])),
                ["attention_mask"] = Own(OrtValue.CreateTensorValueFromMemory<long>([1, 1, 1, 1, 1, 0, 0, 1, 1, 1], [2, 5])),
                ["position_ids"] = Own(OrtValue.CreateTensorValueFromMemory<long>([4, 2], [2, 1])),
            };
            for (int l = 0; l < layers; l++)
            {
                step[$"past_key_values.{l}.key"] = first[1 + 2 * l];
                step[$"past_key_values.{l}.value"] = first[2 + 2 * l];
            }
            using var second = session.Run(runOptions, step, outputNames);

            float[] next = second[0].GetTensorDataAsSpan<float>().ToArray(); // [2,1,V]
            Tolerance.AssertClose(reference.NextTokenLogits([.. rowA, 8]), next.AsSpan(0, v), 1e-4f, "row 0 cached step");
            Tolerance.AssertClose(reference.NextTokenLogits([.. rowB, 6]), next.AsSpan(v, v), 1e-4f, "row 1 cached step");
        }
        finally
        {
            owned.ForEach(value => value.Dispose());
        }
    }
}
