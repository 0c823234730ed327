// Every registered preference loss, trained end to end on synthetic preferences, lifts held-out preference accuracy well above chance.
using System.Diagnostics;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Preference;
using Hybrid.Training.Synthetic;
using Xunit.Abstractions;

namespace Hybrid.Training.Tests.Preference;

[Collection("preference model")]
public sealed class PreferenceLossTrainingTests(PreferenceModelFixture fixture, ITestOutputHelper output)
{
    /// <summary>Two preference rules at once (concise answers, the "ans c;" format), 48 items each; held-out prompts never seen in training.</summary>
    private static (SyntheticPreferenceSet Train, SyntheticPreferenceSet HeldOut) Data()
    {
        SyntheticSplit concise = SyntheticPreferenceData.Generate(SyntheticTask.Concise, 48, 24, seed: 3, k: 3);
        SyntheticSplit format = SyntheticPreferenceData.Generate(SyntheticTask.Format, 48, 24, seed: 4, k: 3);
        static SyntheticPreferenceSet Join(SyntheticPreferenceSet a, SyntheticPreferenceSet b) =>
            new([.. a.Pairs, .. b.Pairs], [.. a.Unpaired, .. b.Unpaired], [.. a.Rankings, .. b.Rankings]);
        return (Join(concise.Train, format.Train), Join(concise.HeldOut, format.HeldOut));
    }

    /// <summary>
    /// 30 AdamW steps of 16 rows (lr 3e-3, each loss at its registry defaults) from the tiny random model. Held-out accuracy
    /// counts pairs whose implicit reward margin is &gt; 0: log-ratio to the reference for reference-based losses (exactly 0
    /// at the start: the reference is the initial model, so the initial accuracy is 0), the length-normalised log-prob for
    /// reference-free ones (about chance at the start). KTO trains on the unpaired rows and RRHF on the K = 3 rankings of the
    /// same items; all are evaluated on the same held-out pairs.
    /// </summary>
    [Theory]
    [InlineData("sigmoid")]
    [InlineData("cdpo")]
    [InlineData("robust")]
    [InlineData("ipo")]
    [InlineData("hinge")]
    [InlineData("kto")]
    [InlineData("orpo")]
    [InlineData("simpo")]
    [InlineData("rdpo")]
    [InlineData("odpo")]
    [InlineData("rrhf")]
    [InlineData("sigmoid,nll:0.5")]
    public void TrainingRaisesHeldOutPreferenceAccuracyWellAboveChance(string loss)
    {
        var (trainSet, heldOutSet) = Data();
        string train = fixture.WriteJsonl("train", loss switch { "kto" => trainSet.Unpaired, "rrhf" => trainSet.Rankings, _ => trainSet.Pairs });
        string heldOut = fixture.WriteJsonl("heldout", heldOutSet.Pairs);
        string outputDir = fixture.NewDir("out");
        long baseline = TensorUtil.LiveTensors;
        var clock = Stopwatch.StartNew();
        PreferenceResult result = new PreferenceTrainer(new PreferenceConfig
        {
            ModelPath = fixture.ModelDir, TrainData = train, EvalData = heldOut, OutputDir = outputDir, Loss = loss,
            LearningRate = 3e-3, BatchSize = 16, MaxSteps = 30, LoggingSteps = 10, EvalOnStart = true, Seed = 1,
        }).Train();
        double seconds = clock.Elapsed.TotalSeconds;
        Assert.Equal(baseline, TensorUtil.LiveTensors);

        PreferenceEvaluation initial = result.InitialEval!, final = result.FinalEval!;
        output.WriteLine($"| {loss} | {initial.Accuracy:F3} | {final.Accuracy:F3} | {seconds:F1} s |");
        Assert.Equal(48, final.Comparisons);
        Assert.True(final.Accuracy >= 0.75, $"{loss}: held-out accuracy {initial.Accuracy:F3} → {final.Accuracy:F3}");
        Assert.True(final.Accuracy > initial.Accuracy, $"{loss}: held-out accuracy {initial.Accuracy:F3} → {final.Accuracy:F3}");
        // The chosen answers' log-prob rose relative to the rejected ones' (relative to the reference, or per token).
        Assert.True(final.Margin > initial.Margin, $"{loss}: held-out implicit-reward margin {initial.Margin:F4} → {final.Margin:F4}");
        Assert.True(seconds < 30, $"{loss} took {seconds:F1} s");
        Assert.True(File.Exists(Path.Combine(outputDir, "model.safetensors")));
    }
}
