// The export's device: genai_config.json names the CUDA provider for cuda, and nothing for the CPU (any GenAI build loads it).
using TorchSharp;
using System.Text.Json;
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Onnx;
using Tensor = TorchSharp.torch.Tensor;

namespace Hybrid.Export.Tests;

public sealed class ExportDeviceTests
{
    [Theory]
    [InlineData("cpu", "[]")]
    [InlineData("cuda", """[{"cuda":{}}]""")]
    [InlineData("cuda:2", """[{"cuda":{"device_id":"2"}}]""")]
    public void GenAIConfigNamesTheDevicesProvider(string device, string providerOptions)
    {
        DecoderConfig config = DecoderTestModels.Configs["qwen2_gqa_tied"];
        Dictionary<string, Tensor> weights = DecoderTestModels.RandomWeights(config, seed: 2);
        string folder = DecoderTestModels.NewFolder("export-device");
        try
        {
            DecoderExporter.ExportGenAIFolder(folder, config, weights, DecoderTestModels.TokenizerDir,
                new DecoderExportOptions { Kernel = AttentionKernel.Optimized, Device = OnnxDevice.Parse(device) });

            using JsonDocument genai = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "genai_config.json")));
            JsonElement providers = genai.RootElement.GetProperty("model").GetProperty("decoder").GetProperty("session_options").GetProperty("provider_options");
            Assert.Equal(providerOptions, JsonSerializer.Serialize(providers));
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
            DecoderTestModels.DeleteFolder(folder);
        }
    }
}
