// Both weight-sync mechanisms on both backends and exports: after training steps and a push the engine computes the
// trainer's new logits, and a request that started before a push finishes on the version it started with.
using Hybrid.Export.Decoder;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Training.WeightSync;

namespace Hybrid.Rollout.Tests;

public sealed class WeightSyncTests
{
    private static readonly int[] Probe = [104, 101, 108, 108, 111, 32, 119, 111, 114, 108, 100];
    private static readonly int[][] Prompts = [[104, 101], [119, 111, 114], [63]];

    private static IWeightSync Bind(string mechanism, RolloutEngine engine, AttentionKernel kernel) => mechanism switch
    {
        "reexport" => new ReExportWeightSync(engine, TinyPolicy.Config, TinyPolicy.Options(overridable: false, kernel)),
        "adapter" => new AdapterWeightSync(engine, TinyPolicy.Config, TinyPolicy.Options(overridable: true, kernel)),
        _ => throw new ArgumentException($"unknown mechanism {mechanism}; known: reexport, adapter"),
    };

    /// <summary>Every mechanism on every backend and export.</summary>
    public static TheoryData<string, RolloutBackend, AttentionKernel> Cases()
    {
        var data = new TheoryData<string, RolloutBackend, AttentionKernel>();
        foreach (string mechanism in new[] { "reexport", "adapter" })
            foreach (RolloutBackend backend in Enum.GetValues<RolloutBackend>())
                foreach (AttentionKernel kernel in Enum.GetValues<AttentionKernel>()) data.Add(mechanism, backend, kernel);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void AfterTrainingAndAPushTheEngineComputesTheTrainersNewLogits(string mechanism, RolloutBackend backend, AttentionKernel kernel)
    {
        using DecoderModel model = TinyPolicy.NewModel();
        using TempFolder folder = TinyPolicy.Export(model, overridable: mechanism == "adapter", kernel);
        using var engine = new RolloutEngine(folder.Path, new RolloutEngineOptions { Backend = backend });
        IWeightSync sync = Bind(mechanism, engine, kernel);
        float[] before = engine.Logits(Probe);
        TinyPolicy.AssertClose(TinyPolicy.Logits(model, Probe), before, 1e-4, "exported logits");

        for (int round = 1; round <= 2; round++)
        {
            TinyPolicy.Train(model);
            float[] trained = TinyPolicy.Logits(model, Probe);
            Assert.True(TinyPolicy.MaxDiff(before, trained) > 1e-2, "the training steps did not move the logits");
            sync.Push(model.StateDict());
            Assert.Equal(round, sync.Version);
            float[] after = engine.Logits(Probe);
            TinyPolicy.AssertClose(trained, after, 1e-4, $"{mechanism} round {round}: engine logits after the push");
            before = after;
        }

        // Exactly one version's file is left in the folder: the older ones were deleted once unused.
        string[] versioned = Directory.GetFiles(folder.Path).Select(Path.GetFileName).Where(n => n!.Contains(".v")).ToArray()!;
        Assert.Equal([mechanism == "reexport" ? "model.v2.onnx.data" : "policy.v2.onnx_adapter"], versioned);
        if (mechanism == "reexport") Assert.False(File.Exists(Path.Combine(folder.Path, "model.onnx.data")), "the first export's data file outlived its model");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ARequestThatStartedBeforeAPushFinishesOnItsVersion(string mechanism, RolloutBackend backend, AttentionKernel kernel)
    {
        using DecoderModel model = TinyPolicy.NewModel();
        using DecoderModel original = TinyPolicy.NewModel();  // keeps version 0's weights for checking
        using TempFolder folder = TinyPolicy.Export(model, overridable: mechanism == "adapter", kernel);
        using var engine = new RolloutEngine(folder.Path, new RolloutEngineOptions { Backend = backend, MaxBatchSize = 2 });
        IWeightSync sync = Bind(mechanism, engine, kernel);
        TinyPolicy.Train(model);

        // The push happens while chunk 1 of 3 is about to decode, inside the request.
        string oldFile = Path.Combine(folder.Path, mechanism == "reexport" ? "model.onnx.data" : "");
        bool oldFileAliveDuringRequest = false;
        engine.ChunkStarting = chunk =>
        {
            if (chunk != 1) return;
            sync.Push(model.StateDict());
            oldFileAliveDuringRequest = mechanism != "reexport" || File.Exists(oldFile);
        };
        var sampling = new SamplingParams { Temperature = 1.0, TopK = 30, Seed = 2, MaxNewTokens = 8 };
        RolloutBatch during = engine.Generate(new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 2, Sampling = sampling });
        engine.ChunkStarting = null;

        Assert.Equal(1, engine.PolicyVersion);
        Assert.Equal(0, during.PolicyVersion);
        Assert.True(oldFileAliveDuringRequest, "version 0's data file was deleted while a request still used it");
        foreach (Rollout r in during.Samples)
        {
            Assert.Equal(0, r.PolicyVersion);
            TinyPolicy.AssertClose(TinyPolicy.RecomputedLogProbs(original, r.PromptIds, r.ResponseIds, sampling), r.LogProbs, 1e-4,
                $"prompt {r.PromptIndex} sample {r.SampleIndex} (chunk {(r.PromptIndex * 2 + r.SampleIndex) / 2}) against version 0");
        }
        if (mechanism == "reexport") Assert.False(File.Exists(oldFile), "version 0's data file outlived the request");

        RolloutBatch next = engine.Generate(new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 2, Sampling = sampling });
        Assert.Equal(1, next.PolicyVersion);
        foreach (Rollout r in next.Samples)
            TinyPolicy.AssertClose(TinyPolicy.RecomputedLogProbs(model, r.PromptIds, r.ResponseIds, sampling), r.LogProbs, 1e-4, "version 1");
    }

    [Theory]
    [InlineData(RolloutBackend.GenAI)]
    [InlineData(RolloutBackend.Ort)]
    public void AdapterSyncNeedsOverridableWeights(RolloutBackend backend)
    {
        using DecoderModel model = TinyPolicy.NewModel();
        using TempFolder folder = TinyPolicy.Export(model, overridable: false);
        using var engine = new RolloutEngine(folder.Path, new RolloutEngineOptions { Backend = backend });
        var error = Assert.Throws<ArgumentException>(() => new AdapterWeightSync(engine, TinyPolicy.Config, TinyPolicy.Options(false)));
        Assert.Contains("OverridableWeights", error.Message);
    }
}
