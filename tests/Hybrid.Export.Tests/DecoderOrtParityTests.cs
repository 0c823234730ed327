// The reference export run by a plain ORT InferenceSession equals the trainer's DecoderModel through padded prefill and decode.
using Hybrid.Export.Decoder;
using Hybrid.Export.Onnx;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;

namespace Hybrid.Export.Tests;

public sealed class DecoderOrtParityTests
{
    private const float Tolerance = 1e-4f;

    // B = 3, S = 5: a full row, a left-padded row (2 pads) and a right-padded row (1 pad).
    private static readonly long[] PromptIds = [5, 17, 3, 44, 9, 1, 1, 23, 8, 61, 30, 2, 77, 12, 1];
    private static readonly long[] PromptMask = [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0];
    private static readonly long[][] DecodeIds = [[11, 4, 70], [6, 50, 19], [88, 2, 33]];

    [Theory]
    [MemberData(nameof(DecoderTestModels.Names), MemberType = typeof(DecoderTestModels))]
    public void LogitsMatchTheTrainerForPaddedPrefillAndEveryDecodeStep(string name)
    {
        DecoderConfig config = DecoderTestModels.Configs[name];
        Dictionary<string, Tensor> weights = DecoderTestModels.RandomWeights(config, seed: 21);
        string folder = DecoderTestModels.NewFolder("ort-parity");
        try
        {
            using DecoderModel trainer = DecoderTestModels.Trainer(config, weights);
            OnnxModelWriter.Save(DecoderExporter.BuildCausalLM(config, weights, new DecoderExportOptions()), folder);
            using var session = new InferenceSession(Path.Combine(folder, "model.onnx"));
            using var cache = trainer.NewCache();
            using var noGrad = no_grad();
            int b = 3, s = PromptIds.Length / b;

            var mask = PromptMask.ToList();  // [B, T] row-major, grows by one column per decode step
            var pastValues = new List<OrtValue>();
            for (int l = 0; l < config.NumHiddenLayers * 2; l++)
                pastValues.Add(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [b, config.NumKeyValueHeads, 0, config.HeadDim]));

            long[] ids = PromptIds, stepMask = PromptMask;
            int total = s, length = s;
            for (int step = 0; step <= DecodeIds.Length; step++)
            {
                long[] positions = Positions(mask, b, total, length);
                float[] expected;
                using (NewDisposeScope())
                    expected = trainer.Forward(torch.tensor(ids, [b, length]), torch.tensor(stepMask, [b, length]), cache: cache).contiguous().data<float>().ToArray();

                var inputs = new Dictionary<string, OrtValue>
                {
                    ["input_ids"] = OrtValue.CreateTensorValueFromMemory(ids, [b, length]),
                    ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(mask.ToArray(), [b, total]),
                    ["position_ids"] = OrtValue.CreateTensorValueFromMemory(positions, [b, length]),
                };
                for (int l = 0; l < config.NumHiddenLayers; l++)
                {
                    inputs[$"past_key_values.{l}.key"] = pastValues[2 * l];
                    inputs[$"past_key_values.{l}.value"] = pastValues[2 * l + 1];
                }
                string[] outputNames = ["logits", .. Enumerable.Range(0, config.NumHiddenLayers).SelectMany(l => new[] { $"present.{l}.key", $"present.{l}.value" })];
                using var runOptions = new RunOptions();
                IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, inputs, outputNames);
                float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();  // [B, S, V]
                for (int r = 0; r < b; r++)
                    for (int t = 0; t < length; t++)
                    {
                        if (mask[r * total + total - length + t] == 0) continue;  // a pad's logits are meaningless
                        int at = (r * length + t) * config.VocabSize;
                        DecoderTestModels.AssertClose(expected.AsSpan(at, config.VocabSize), actual.AsSpan(at, config.VocabSize), Tolerance, $"{name} step {step} row {r} token {t}");
                    }

                foreach (string input in new[] { "input_ids", "attention_mask", "position_ids" }) inputs[input].Dispose();
                foreach (OrtValue old in pastValues) old.Dispose();
                pastValues = outputs.Skip(1).ToList();
                outputs[0].Dispose();
                if (step == DecodeIds.Length) break;

                // Next step: one new real token per row.
                ids = DecodeIds[step];
                stepMask = [1, 1, 1];
                length = 1;
                var grown = new List<long>();
                for (int r = 0; r < b; r++) grown.AddRange([.. mask.Skip(r * total).Take(total), 1]);
                mask = grown;
                total++;
            }
            foreach (OrtValue old in pastValues) old.Dispose();
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
            DecoderTestModels.DeleteFolder(folder);
        }
    }

    /// <summary>position = (real tokens up to and including this one) − 1, at least 0, for the last <paramref name="length"/> columns.</summary>
    private static long[] Positions(List<long> mask, int b, int total, int length)
    {
        var positions = new long[b * length];
        for (int r = 0; r < b; r++)
        {
            long count = 0;
            for (int j = 0; j < total; j++)
            {
                count += mask[r * total + j];
                if (j >= total - length) positions[r * length + j - (total - length)] = Math.Max(count - 1, 0);
            }
        }
        return positions;
    }
}
