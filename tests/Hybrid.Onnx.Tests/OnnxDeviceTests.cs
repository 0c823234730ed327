// The device option: parsing, and what the CPU build says when asked for CUDA (ORT sessions and GenAI models).
using Hybrid.Onnx.GenAI;
using Microsoft.ML.OnnxRuntime;

namespace Hybrid.Onnx.Tests;

public sealed class OnnxDeviceTests(TinyDecoderFolder tiny) : IClassFixture<TinyDecoderFolder>
{
    [Theory]
    [InlineData("cpu", ExecutionProvider.Cpu, 0, "cpu")]
    [InlineData(" CPU ", ExecutionProvider.Cpu, 0, "cpu")]
    [InlineData("cuda", ExecutionProvider.Cuda, 0, "cuda")]
    [InlineData("Cuda:0", ExecutionProvider.Cuda, 0, "cuda")]
    [InlineData("cuda:3", ExecutionProvider.Cuda, 3, "cuda:3")]
    public void ParseReadsTheProviderAndTheDeviceIndex(string text, ExecutionProvider provider, int id, string shown)
    {
        OnnxDevice device = OnnxDevice.Parse(text);

        Assert.Equal(new OnnxDevice(provider, id), device);
        Assert.Equal(shown, device.ToString());
        Assert.Equal(provider == ExecutionProvider.Cuda ? "cuda" : null, device.GenAIProviderName);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("cuda:x")]
    [InlineData("cuda:1000")]
    [InlineData("")]
    public void ParseRejectsAnythingElseListingTheValidForms(string text)
    {
        var error = Assert.Throws<FormatException>(() => OnnxDevice.Parse(text));

        Assert.Contains($"'{text}'", error.Message);
        Assert.Contains("cpu, cuda, cuda:N", error.Message);
    }

    [Fact]
    public void TheCpuDeviceAddsNoProviderAndTheSessionRuns()
    {
        using var options = new SessionOptions();
        OnnxDevice.Cpu.Configure(options);
        using var session = new InferenceSession(Path.Combine(tiny.Path, "model.onnx"), options);

        Assert.Contains("logits", session.OutputNames);
    }

    // The CPU build (no -p:HybridGpu=true) has no CUDA provider: asking for it is an error naming CUDA, not a silent CPU run.
    [Fact]
    public void CudaOnTheCpuBuildIsAnErrorForOrtSessions()
    {
        using var options = new SessionOptions();

        var error = Assert.Throws<OnnxDeviceException>(() => OnnxDevice.Parse("cuda").Configure(options));

        Assert.StartsWith("device cuda: ONNX Runtime cannot run there (", error.Message);
        Assert.Contains("-p:HybridGpu=true", error.Message);
        Assert.IsType<EntryPointNotFoundException>(error.InnerException);  // the CPU package's library has no CUDA entry point
    }

    [Fact]
    public void CudaWithoutGenAIsCudaAddOnIsAnErrorForGenAIModels()
    {
        var error = Assert.Throws<OnnxDeviceException>(() => GenAIModel.Open(tiny.Path, new GenAIModelOptions { Device = OnnxDevice.Parse("cuda:1") }));

        Assert.StartsWith("device cuda:1: ONNX Runtime GenAI cannot run there (OgaCreateModelFromConfig: ", error.Message);
        Assert.IsType<GenAIException>(error.InnerException);
    }
}
