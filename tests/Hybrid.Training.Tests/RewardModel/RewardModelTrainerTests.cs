// The reward-model trainer end to end: held-out accuracy, K-wise rankings, the saved reward checkpoint exports and scores on ORT, resume.
using Hybrid.Data;
using System.Diagnostics;
using Hybrid.Export.Decoder;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Heads;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout.Scoring;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Serialization;
using Hybrid.Training.Data;
using Hybrid.Training.Preference;
using Hybrid.Training.RewardModel;
using Hybrid.Training.Synthetic;
using Hybrid.Training.Tests.Preference;
using Xunit.Abstractions;

namespace Hybrid.Training.Tests.RewardModel;

[Collection("preference model")]
public sealed class RewardModelTrainerTests(PreferenceModelFixture fixture, ITestOutputHelper output)
{
    /// <summary>Concise-answer and format-following items, 100 each for training and 50 each held out (prompts never seen in training).</summary>
    private static (SyntheticPreferenceSet Train, SyntheticPreferenceSet HeldOut) Data(int k = 3)
    {
        SyntheticSplit concise = SyntheticPreferenceData.Generate(SyntheticTask.Concise, 100, 50, seed: 11, k);
        SyntheticSplit format = SyntheticPreferenceData.Generate(SyntheticTask.Format, 100, 50, seed: 12, k);
        static SyntheticPreferenceSet Join(SyntheticPreferenceSet a, SyntheticPreferenceSet b) =>
            new([.. a.Pairs, .. b.Pairs], [.. a.Unpaired, .. b.Unpaired], [.. a.Rankings, .. b.Rankings]);
        return (Join(concise.Train, format.Train), Join(concise.HeldOut, format.HeldOut));
    }

    private RewardModelConfig Config(string train, string? eval) => new()
    {
        ModelPath = fixture.ModelDir, TrainData = train, EvalData = eval, OutputDir = fixture.NewDir("rm"),
        LearningRate = 3e-3, BatchSize = 16, MaxSteps = 40, LoggingSteps = 10, EvalOnStart = true, Seed = 1,
    };

    [Fact]
    public void PairsTrainARewardModelToNinetyPercentHeldOutAccuracy()
    {
        var (train, heldOut) = Data();
        RewardModelConfig config = Config(fixture.WriteJsonl("train", train.Pairs), fixture.WriteJsonl("heldout", heldOut.Pairs)) with { CenterRewardsCoefficient = 0.01 };
        long baseline = TensorUtil.LiveTensors;
        var clock = Stopwatch.StartNew();
        RewardModelResult result = new RewardModelTrainer(config).Train();
        double seconds = clock.Elapsed.TotalSeconds;
        Assert.Equal(baseline, TensorUtil.LiveTensors);

        output.WriteLine($"| reward (Bradley–Terry, pairs) | {result.InitialEval!["accuracy"]:F3} | {result.FinalEval!["accuracy"]:F3} | {seconds:F1} s |");
        Assert.True(result.FinalEval["accuracy"] >= 0.9, $"held-out accuracy {result.InitialEval["accuracy"]:F3} → {result.FinalEval["accuracy"]:F3}");
        Assert.True(result.FinalEval["accuracy"] > result.InitialEval["accuracy"]);
        Assert.True(result.FinalEval["margin"] > result.InitialEval["margin"]);
        Assert.True(result.FinalEval["loss"] < result.InitialEval["loss"]);
        Assert.True(seconds < 40, $"{seconds:F1} s");

        string[] lines = File.ReadAllLines(Path.Combine(config.OutputDir, "metrics.jsonl"));
        foreach (string name in new[] { "loss", "accuracy", "margin", "min_reward", "mean_reward", "max_reward", "grad_norm", "learning_rate", "num_tokens", "epoch" })
            Assert.Contains($"\"{name}\"", lines[1]);
        foreach (string name in new[] { "eval_loss", "eval_accuracy", "eval_margin", "eval_min_reward", "eval_mean_reward", "eval_max_reward" })
            Assert.Contains($"\"{name}\"", lines[^1]);
    }

    [Fact]
    public void KWiseRankingsOfMixedSizesTrainARewardModelToo()
    {
        var (train, heldOut) = Data(k: 4);
        // Add rankings of K = 2 and K = 5 to the K = 4 ones: one batch then pads the shorter rankings.
        var extra = SyntheticPreferenceData.Generate(SyntheticTask.Format, 8, 0, seed: 13, k: 2).Train.Rankings
            .Concat(SyntheticPreferenceData.Generate(SyntheticTask.Format, 8, 0, seed: 14, k: 5).Train.Rankings);
        var config = Config(fixture.WriteJsonl("rankings", [.. train.Rankings, .. extra]), fixture.WriteJsonl("heldout", heldOut.Pairs));
        var clock = Stopwatch.StartNew();
        RewardModelResult result = new RewardModelTrainer(config).Train();
        output.WriteLine($"| reward (K-wise, K = 2…5) | {result.InitialEval!["accuracy"]:F3} | {result.FinalEval!["accuracy"]:F3} | {clock.Elapsed.TotalSeconds:F1} s |");
        Assert.True(result.FinalEval["accuracy"] >= 0.9, $"held-out accuracy {result.InitialEval["accuracy"]:F3} → {result.FinalEval["accuracy"]:F3}");
        Assert.True(result.FinalEval["accuracy"] > result.InitialEval["accuracy"]);
    }

    [Fact]
    public void TheSavedRewardCheckpointLoadsByNameAndScoresTheSameOnOrtAfterExport()
    {
        var (train, heldOut) = Data();
        RewardModelConfig config = Config(fixture.WriteJsonl("train", train.Pairs), null) with { MaxSteps = 5 };
        new RewardModelTrainer(config).Train();

        using LoadedCheckpoint loaded = HfCheckpoint.Load(config.OutputDir);
        Assert.True(loaded.Config.IsSequenceClassifier);
        Assert.Equal(["Qwen2ForSequenceClassification"], loaded.Config.Architectures);
        Assert.Contains("score.weight", loaded.Tensors.Keys);
        Assert.DoesNotContain("lm_head.weight", loaded.Tensors.Keys);
        using var model = new SequenceScoreModel(loaded.Config);
        model.LoadStateDict(loaded.Tensors);

        // The training path: each response's whole text tokenized as the trainer does, scored in one padded batch.
        using var tokenizer = Tokenizer.Open(config.OutputDir);
        var examples = heldOut.Pairs.Take(6).ToList();
        var rows = examples.Select(new RewardTokenizer(tokenizer.Encode).Tokenize).ToList();
        float[] libtorch;
        using (NewDisposeScope())
        using (no_grad())
        {
            RewardBatch batch = RewardBatch.Collate(rows, tokenizer.PadTokenId!.Value);
            libtorch = model.Forward(batch.InputIds, batch.AttentionMask).data<float>().ToArray();        // [12]
        }

        // The scoring path: `hybrid export` then `hybrid score` on the rows' prompt + response text.
        string exported = fixture.NewDir("rm-onnx");
        DecoderExporter.ExportCheckpoint(config.OutputDir, exported, new DecoderExportOptions());
        using var scorer = OnnxRewardScorer.Open(exported, new RewardScorerOptions { BatchSize = 4, IntraOpThreads = 1 });
        string[] texts = examples.SelectMany(e => new[] { ScoringText.PromptResponse(e.Prompt, e.Chosen), ScoringText.PromptResponse(e.Prompt, e.Rejected) }).ToArray();
        Assert.Equal(texts, examples.SelectMany(e => new[] { RewardTokenizer.Text(e, 0), RewardTokenizer.Text(e, 1) }));
        float[] ort = scorer.Score(texts).Scores;
        for (int i = 0; i < texts.Length; i++)
            Assert.True(MathF.Abs(ort[i] - libtorch[i]) <= 1e-4f, $"row {i}: ORT {ort[i]:R} vs libtorch {libtorch[i]:R}");
        Assert.True(libtorch.Distinct().Count() > 1);
    }

    [Fact]
    public void ContinuingFromARewardCheckpointKeepsItsScoreHead()
    {
        var (train, heldOut) = Data();
        string trainPath = fixture.WriteJsonl("train", train.Pairs), heldOutPath = fixture.WriteJsonl("heldout", heldOut.Pairs);
        RewardModelResult first = new RewardModelTrainer(Config(trainPath, heldOutPath) with { MaxSteps = 10 }).Train();
        RewardModelResult second = new RewardModelTrainer(Config(trainPath, heldOutPath) with { ModelPath = first.OutputDir, MaxSteps = 1, Seed = 99 }).Train();
        // Same weights, same held-out rows, same batches: the evaluation before the first step reproduces the first run's last one.
        foreach (var (name, value) in first.FinalEval!) Assert.Equal(value, second.InitialEval![name], 6);
    }

    [Fact]
    public void ResumingReproducesTheUninterruptedRunBitForBit()
    {
        var (train, heldOut) = Data();
        string trainPath = fixture.WriteJsonl("rankings", train.Rankings), heldOutPath = fixture.WriteJsonl("heldout", heldOut.Pairs);
        RewardModelConfig Run(string? resume = null) => Config(trainPath, heldOutPath) with
        {
            ResumeFrom = resume, WarmupRatio = 0.2, BatchSize = 8, GradientAccumulationSteps = 2, MaxSteps = 6, SaveSteps = 3, LoggingSteps = 1, EvalOnStart = false,
        };
        long baseline = TensorUtil.LiveTensors;
        RewardModelConfig straight = Run();
        RewardModelResult a = new RewardModelTrainer(straight).Train();
        RewardModelConfig resumed = Run(Path.Combine(straight.OutputDir, "checkpoint-3"));
        RewardModelResult b = new RewardModelTrainer(resumed).Train();
        Assert.Equal(baseline, TensorUtil.LiveTensors);
        Assert.Equal(a.Train, b.Train);
        var wa = SafeTensors.Load(Path.Combine(straight.OutputDir, "model.safetensors"));
        var wb = SafeTensors.Load(Path.Combine(resumed.OutputDir, "model.safetensors"));
        try
        {
            Assert.Equal(wa.Keys.Order(), wb.Keys.Order());
            foreach (string name in wa.Keys) Assert.Equal(wa[name].data<float>().ToArray(), wb[name].data<float>().ToArray());
        }
        finally
        {
            foreach (var t in wa.Values.Concat(wb.Values)) t.Dispose();
        }
        Assert.Equal(File.ReadAllLines(Path.Combine(straight.OutputDir, "metrics.jsonl"))[3..], File.ReadAllLines(Path.Combine(resumed.OutputDir, "metrics.jsonl")));
    }

    [Fact]
    public void UnpairedRowsAndBadRowsFailAndWriteNothing()
    {
        var (train, _) = Data();
        RewardModelConfig config = Config(fixture.WriteJsonl("unpaired", train.Unpaired), null) with { OutputDir = Path.Combine(fixture.Root, "never-" + Guid.NewGuid().ToString("N")) };
        var ex = Assert.Throws<DatasetException>(() => new RewardModelTrainer(config).Train());
        Assert.Contains("unpaired rows (completion/label) cannot train a Bradley–Terry reward model", ex.Message);
        string bad = Path.Combine(fixture.NewDir("data"), "bad.csv");
        File.WriteAllText(bad, "prompt,chosen,rejected,margin\n1+1=,2,3,0.5\n2+2=,4,5,big\n");
        ex = Assert.Throws<DatasetException>(() => new RewardModelTrainer(config with { TrainData = bad }).Train());
        Assert.Contains("bad.csv:3 (row 2): field 'margin' = \"big\" is not a number", ex.Message);
        Assert.False(Directory.Exists(config.OutputDir));
        Assert.Contains("RewardModelConfig.CenterRewardsCoefficient = -1",
            Assert.Throws<ArgumentException>(() => new RewardModelTrainer(config with { CenterRewardsCoefficient = -1 })).Message);
    }
}
