// The bench's phase profile runs the engine's loop on both backends and the trainer's loop, leaking nothing native.
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Tensors;
using Hybrid.Training.Online;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Rollout.Tests;

public sealed class RolloutProfileTests
{
    private static readonly int[][] Prompts = [[104, 101, 108, 108], [119, 111, 114, 100], [63, 10, 33, 32]];

    [Theory]
    [InlineData(RolloutBackend.GenAI)]
    [InlineData(RolloutBackend.Ort)]
    public void EngineProfileSplitsEveryPhaseAndFreesItsBuffers(RolloutBackend backend)
    {
        using DecoderModel model = TinyPolicy.NewModel();
        using TempFolder folder = TinyPolicy.Export(model);
        using var engine = new RolloutEngine(folder.Path, new RolloutEngineOptions { Backend = backend });
        long buffers = Decoding.NativeBuffers.Live;
        RolloutProfile.Split split = RolloutProfile.Engine(engine, Prompts, new SamplingParams { Seed = 1, MaxNewTokens = 6 }, runs: 1);
        Assert.Equal((3, 5), (split.Rows, split.Steps));
        Assert.True(split.Prefill > 0 && split.Backend > 0 && split.Sampler >= 0 && split.Other >= 0, split.ToString());
        Assert.Equal(buffers, Decoding.NativeBuffers.Live);
        int overOneBatch = engine.Options.MaxBatchSize + 1;  // 33 on GenAI, 257 on Ort
        Assert.Throws<ArgumentException>(() => RolloutProfile.Engine(engine, Enumerable.Repeat(Prompts[0], overOneBatch).ToList(), new SamplingParams()));
    }

    [Fact]
    public void TrainerProfileDisposesEveryTensor()
    {
        using DecoderModel model = TinyPolicy.NewModel();
        long tensors = TensorUtil.LiveTensors;
        RolloutProfile.Split split = TrainerSamplerProfile.Measure(model, Prompts, new SamplingParams { Seed = 1, MaxNewTokens = 6 }, runs: 1);
        Assert.Equal((3, 5), (split.Rows, split.Steps));
        Assert.True(split.Prefill > 0 && split.Backend > 0 && split.Sampler > 0, split.ToString());
        Assert.Equal(tensors, TensorUtil.LiveTensors);
    }
}
