// The preference trainer end to end: reference log-probs once (or live, or never), bit-exact resume, metrics, bad rows leave no output.
using Hybrid.Data;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Serialization;
using Hybrid.Training.Data;
using Hybrid.Training.Preference;
using Hybrid.Training.Synthetic;

namespace Hybrid.Training.Tests.Preference;

[Collection("preference model")]
public sealed class PreferenceTrainerTests(PreferenceModelFixture fixture)
{
    private PreferenceConfig Config(string train, string? eval, string loss = "sigmoid") => new()
    {
        ModelPath = fixture.ModelDir, TrainData = train, EvalData = eval, OutputDir = fixture.NewDir("out"), Loss = loss,
        LearningRate = 3e-3, BatchSize = 4, MaxSteps = 8, LoggingSteps = 1, Seed = 5,
    };

    private (string Train, string HeldOut) Files(int train = 12, int heldOut = 6, string ext = ".jsonl")
    {
        SyntheticSplit data = SyntheticPreferenceData.Generate(SyntheticTask.Format, train, heldOut, seed: 21);
        string dir = fixture.NewDir("data");
        string trainPath = Path.Combine(dir, "train" + ext), heldOutPath = Path.Combine(dir, "heldout" + ext);
        if (ext == ".csv") { PreferenceDatasetWriter.WriteCsv(trainPath, data.Train.Pairs); PreferenceDatasetWriter.WriteCsv(heldOutPath, data.HeldOut.Pairs); }
        else { PreferenceDatasetWriter.WriteJsonl(trainPath, data.Train.Pairs); PreferenceDatasetWriter.WriteJsonl(heldOutPath, data.HeldOut.Pairs); }
        return (trainPath, heldOutPath);
    }

    [Fact]
    public void ReferenceLogProbsAreComputedOncePerDatasetWhateverTheNumberOfEpochs()
    {
        var (train, heldOut) = Files(12, 6, ".csv");
        // 12 rows in batches of 4 for 8 steps = almost three epochs, with evaluation every 2 steps: still one reference pass.
        PreferenceResult once = new PreferenceTrainer(Config(train, heldOut) with { EvalSteps = 2 }).Train();
        Assert.Equal(12 + 6, once.ReferenceRowsComputed);
        Assert.Equal(0, once.ReferenceModelsLoaded);     // the initial policy scores them before its first update

        // A live reference model scores every step's rows and every evaluation instead: 8 steps × 4 rows + 4 evaluations × 6 rows.
        long baseline = TensorUtil.LiveTensors;
        PreferenceResult live = new PreferenceTrainer(Config(train, heldOut) with { EvalSteps = 2, PrecomputeRefLogProbs = false }).Train();
        Assert.Equal(baseline, TensorUtil.LiveTensors);
        Assert.Equal(8 * 4 + 4 * 6, live.ReferenceRowsComputed);
        Assert.Equal(1, live.ReferenceModelsLoaded);
        // Same reference values either way (up to float noise from batch composition), so the same training.
        Assert.Equal(once.FinalEval!.Accuracy, live.FinalEval!.Accuracy);
        Assert.True(Math.Abs(once.FinalEval.Margin - live.FinalEval.Margin) < 1e-3, $"{once.FinalEval.Margin} vs {live.FinalEval.Margin}");
    }

    [Theory]
    [InlineData("simpo")]
    [InlineData("orpo")]
    [InlineData("rrhf")]
    public void ReferenceFreeLossesNeverBuildOrQueryAReference(string loss)
    {
        var (train, heldOut) = Files();
        foreach (bool precompute in new[] { true, false })
        {
            PreferenceResult result = new PreferenceTrainer(Config(train, heldOut, loss) with { MaxSteps = 2, PrecomputeRefLogProbs = precompute }).Train();
            Assert.Equal(0, result.ReferenceRowsComputed);
            Assert.Equal(0, result.ReferenceModelsLoaded);
            Assert.Equal(2, result.Steps);
        }
    }

    [Fact]
    public void ResumingFromACheckpointReproducesTheUninterruptedRunBitForBit()
    {
        var (train, heldOut) = Files();
        string straight = fixture.NewDir("straight"), resumed = fixture.NewDir("resumed");
        PreferenceConfig Run(string output, string? resume = null) => Config(train, heldOut) with
        {
            OutputDir = output, ResumeFrom = resume, WarmupRatio = 0.25, GradientAccumulationSteps = 2, MaxSteps = 6, SaveSteps = 3,
        };
        long baseline = TensorUtil.LiveTensors;
        PreferenceResult a = new PreferenceTrainer(Run(straight)).Train();
        Assert.True(File.Exists(Path.Combine(straight, "checkpoint-3", "trainer_state.json")));
        PreferenceResult b = new PreferenceTrainer(Run(resumed, Path.Combine(straight, "checkpoint-3"))).Train();
        Assert.Equal(baseline, TensorUtil.LiveTensors);

        Assert.Equal((6L, 6L), (a.Steps, b.Steps));
        Assert.Equal(a.TrainLoss, b.TrainLoss);
        Assert.Equal(1, b.ReferenceModelsLoaded);    // the resumed run rebuilds the initial model's reference log-probs from ModelPath
        var wa = SafeTensors.Load(Path.Combine(straight, "model.safetensors"));
        var wb = SafeTensors.Load(Path.Combine(resumed, "model.safetensors"));
        try
        {
            Assert.Equal(wa.Keys.Order(), wb.Keys.Order());
            foreach (string name in wa.Keys) Assert.Equal(wa[name].data<float>().ToArray(), wb[name].data<float>().ToArray());
        }
        finally
        {
            foreach (var t in wa.Values.Concat(wb.Values)) t.Dispose();
        }
        // The resumed run logged steps 4–6 (and the final evaluation) exactly as the straight run did.
        string[] straightLog = File.ReadAllLines(Path.Combine(straight, "metrics.jsonl"));
        string[] resumedLog = File.ReadAllLines(Path.Combine(resumed, "metrics.jsonl"));
        Assert.Equal(straightLog[3..], resumedLog);
        Assert.Equal(File.ReadAllText(Path.Combine(fixture.ModelDir, "tokenizer.json")), File.ReadAllText(Path.Combine(resumed, "tokenizer.json")));
    }

    [Fact]
    public void MetricsUseTrlNames()
    {
        var (train, heldOut) = Files();
        PreferenceConfig config = Config(train, heldOut) with { MaxSteps = 2, EvalOnStart = true };
        new PreferenceTrainer(config).Train();
        string[] lines = File.ReadAllLines(Path.Combine(config.OutputDir, "metrics.jsonl"));
        Assert.Equal(4, lines.Length);   // eval at step 0, steps 1 and 2, final eval
        foreach (string name in new[] { "\"rewards/chosen\"", "\"rewards/rejected\"", "\"rewards/margins\"", "\"rewards/accuracies\"", "\"logps/chosen\"",
                                        "\"logps/rejected\"", "\"loss\"", "\"grad_norm\"", "\"learning_rate\"", "\"num_tokens\"", "\"epoch\"" })
            Assert.Contains(name, lines[1]);
        foreach (string name in new[] { "\"eval_preference_accuracy\"", "\"eval_preference_margin\"", "\"eval_loss\"", "\"eval_rewards/accuracies\"" })
            Assert.Contains(name, lines[3]);
        Assert.StartsWith("{\"step\":0,", lines[0]);
    }

    [Fact]
    public void ConversationalPairsTrainWithTheChatTemplate()
    {
        string path = Path.Combine(fixture.NewDir("data"), "chat.jsonl");
        File.WriteAllLines(path, Enumerable.Range(0, 6).Select(i =>
            $"{{\"chosen\": [{{\"role\": \"user\", \"content\": \"{i}+1=\"}}, {{\"role\": \"assistant\", \"content\": \"ans {i + 1};\"}}], " +
            $"\"rejected\": [{{\"role\": \"user\", \"content\": \"{i}+1=\"}}, {{\"role\": \"assistant\", \"content\": \"{i + 1}\"}}]}}"));
        PreferenceResult result = new PreferenceTrainer(Config(path, path) with { MaxSteps = 3 }).Train();
        Assert.Equal(3, result.Steps);
        Assert.Equal(6, result.FinalEval!.Comparisons);
    }

    [Fact]
    public void ABadRowFailsNamingItsLineAndFieldAndWritesNothing()
    {
        string data = Path.Combine(fixture.NewDir("data"), "bad.jsonl");
        File.WriteAllLines(data, ["{\"prompt\": \"1+1=\", \"chosen\": \"2\", \"rejected\": \"3\"}", "{\"prompt\": \"2+2=\", \"chosen\": \"4\"}"]);
        PreferenceConfig config = Config(data, null) with { OutputDir = Path.Combine(fixture.Root, "never-" + Guid.NewGuid().ToString("N")) };
        var ex = Assert.Throws<DatasetException>(() => new PreferenceTrainer(config).Train());
        Assert.Contains("bad.jsonl:2: field 'rejected' is missing", ex.Message);
        Assert.False(Directory.Exists(config.OutputDir));

        // Scores on some pairs only: ODPO would silently lose its offsets, so it is an error too.
        File.WriteAllLines(data, ["{\"prompt\": \"1+1=\", \"chosen\": \"2\", \"rejected\": \"3\", \"chosen_score\": 1, \"rejected_score\": 0}",
                                  "{\"prompt\": \"2+2=\", \"chosen\": \"4\", \"rejected\": \"5\"}"]);
        ex = Assert.Throws<DatasetException>(() => new PreferenceTrainer(config with { Loss = "odpo" }).Train());
        Assert.Contains("bad.jsonl:1: has chosen_score/rejected_score but", ex.Message);
        Assert.False(Directory.Exists(config.OutputDir));
    }

    [Fact]
    public void ConfigAndLossErrorsNameTheField()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PreferenceTrainer(new PreferenceConfig { ModelPath = "m", TrainData = "d", OutputDir = "o", MaxPromptLength = 2000 }));
        Assert.Contains("PreferenceConfig.MaxPromptLength = 2000", ex.Message);
        var (train, _) = Files();
        ex = Assert.Throws<ArgumentException>(() => new PreferenceTrainer(Config(train, null, "dpo")).Train());
        Assert.Contains("unknown preference loss 'dpo'; known:", ex.Message);
    }
}
