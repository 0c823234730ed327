// Training that diverges is refused, not reported as success: guarded steps, the consecutive-skip stop, absurd options.
using System.Text.Json;
using Hybrid.Models.Creation;
using Hybrid.Tensors;
using Hybrid.Tensors.Layers;
using Hybrid.Tensors.Optim;
using Hybrid.Tensors.Serialization;
using Hybrid.Training.Sft;
using Hybrid.Training.Stability;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Training.Tests.Stability;

public sealed class DivergenceTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-diverge-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(double.NaN, 1.0, false)]                  // non-finite loss
    [InlineData(2.0, double.PositiveInfinity, false)]     // non-finite gradient
    [InlineData(2.0, 0.0, false)]                          // nothing reached the weights
    [InlineData(2.0, 1.0, true)]
    public void AStepIsAppliedOnlyWhenLossAndGradientsAreFinite(double loss, double gradientValue, bool applied)
    {
        using var layer = new Linear(2, 1, bias: false);
        using var optimizer = new AdamW(layer.parameters(), lr: 0.1);
        float[] before = layer.Weight.data<float>().ToArray();
        using (var scope = NewDisposeScope()) layer.Weight.grad = torch.full([1, 2], gradientValue, ScalarType.Float32);

        var (norm, wasApplied) = GuardedOptimizerStep.Apply(optimizer, loss, maxGradNorm: 1.0, learningRate: 0.1);

        Assert.Equal(applied, wasApplied);
        Assert.Null(layer.Weight.grad);                                           // dropped either way
        if (applied)
        {
            Assert.NotEqual(before, layer.Weight.data<float>().ToArray());
            Assert.Equal(Math.Sqrt(2) * gradientValue, norm, 6);
        }
        else
        {
            Assert.Equal(before, layer.Weight.data<float>().ToArray());         // weights untouched
            Assert.Equal(0, optimizer.StepCount);                               // and the optimizer's state
            Assert.All(optimizer.ExpAvg[0].data<float>().ToArray(), m => Assert.Equal(0f, m));
        }
    }

    [Fact]
    public void IsolatedSkipsPassButEightInARowStopTheRunNamingTheCauseAndTheFix()
    {
        var guard = new DivergenceGuard("sft");
        for (int i = 1; i <= 20; i++) guard.Record(applied: i % 3 != 0, step: i, loss: double.NaN, gradNorm: 1);  // every third step refused
        Assert.Equal(6, guard.SkippedSteps);
        for (int i = 21; i < 28; i++) guard.Record(false, i, 1.5, double.PositiveInfinity);
        var error = Assert.Throws<TrainingDivergedException>(() => guard.Record(false, 28, 1.5, double.PositiveInfinity));
        Assert.Equal("sft: training diverged — 8 optimizer steps in a row up to step 28 were skipped because the gradient norm is Infinity; " +
                     "the final model was not written (earlier checkpoints are kept). Lower --lr or --max-grad-norm, or check the data.",
                     error.Message);
    }

    /// <summary>
    /// An SFT run from a checkpoint whose final norm weight is 3e38 (finite, so the checkpoint loads; a NaN weight is refused
    /// on load): the logits overflow, every loss is NaN, every step is refused, and after eight the run stops with
    /// <see cref="TrainingDivergedException"/>. The weights never changed, and no final model was written.
    /// </summary>
    [Fact]
    public void AnSftRunWhoseLossIsNaNStopsWithoutWritingAModel()
    {
        string corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 100).Select(i => $"{i % 10}+{i / 10 % 10}={(i % 10 + i / 10 % 10) % 10}"));
        var config = TinyTask.Config() with { VocabSize = 0, EosTokenIds = [], PadTokenId = null };
        string model = ModelFactory.CreateRandom(config, new TokenizerRecipe { CorpusPath = corpus, VocabSize = 300 }, Path.Combine(_dir, "model"), seed: 7).Directory;
        string weights = Path.Combine(model, "model.safetensors");
        Dictionary<string, Tensor> state = SafeTensors.Load(weights);
        using (no_grad()) state["model.norm.weight"].fill_(3e38f);
        SafeTensors.Save(weights, state);
        foreach (Tensor t in state.Values) t.Dispose();
        string data = Path.Combine(_dir, "train.jsonl");
        File.WriteAllLines(data, TinyTask.Addition(40, seed: 1).Select(e => JsonSerializer.Serialize(new { prompt = e.Prompt, completion = e.Completion })));
        string output = Path.Combine(_dir, "out");

        long baseline = TensorUtil.LiveTensors;
        var error = Assert.Throws<TrainingDivergedException>(() => new SftTrainer(new SftConfig
        {
            ModelPath = model, TrainData = data, OutputDir = output, LearningRate = 1e-3, BatchSize = 8, MaxSteps = 20, LoggingSteps = 1,
        }).Train());
        Assert.Equal(baseline, TensorUtil.LiveTensors);

        Assert.Contains("up to step 8 were skipped because the loss is NaN", error.Message);
        Assert.False(File.Exists(Path.Combine(output, "model.safetensors")), "a diverged run wrote a model");
        string[] rows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl"));
        Assert.Equal(7, rows.Length);  // steps 1–7 logged; the 8th throws before its row
        using var last = JsonDocument.Parse(rows[^1]);
        Assert.Equal(7, last.RootElement.GetProperty("skipped_steps").GetDouble());
    }

    [Theory]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NaN)]
    [InlineData(1e30)]
    [InlineData(1e6)]
    [InlineData(0.0)]
    [InlineData(-1e-5)]
    public void AbsurdOrNonFiniteLearningRatesAreRejectedBeforeTraining(double lr)
    {
        var config = new SftConfig { ModelPath = "m", TrainData = "d", OutputDir = "o", LearningRate = lr };
        var error = Assert.Throws<ArgumentException>(() => config.Validate());
        Assert.Contains("LearningRate", error.Message);
        Assert.Contains("must be in (0, 1]", error.Message);
        Assert.Throws<ArgumentException>(() => (config with { LearningRate = 1e-3, MaxGradNorm = double.PositiveInfinity }).Validate());
        Assert.Throws<ArgumentException>(() => (config with { LearningRate = 1e-3, WeightDecay = double.NaN }).Validate());
    }
}
