// PPO end to end: a reward model trained (Bradley–Terry) on correct vs wrong sums, exported and scored on ORT, a critic
// initialised from it, GAE, the KL in the per-token reward — and the expected RM reward of the policy rises.
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using Hybrid.Algorithms;
using Hybrid.Algorithms.RewardModeling;
using Hybrid.Algorithms.Rl;
using Hybrid.Export.Decoder;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Models.Heads;
using Hybrid.Rollout.Scoring;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;
using Hybrid.Training.Tests.Online;
using Xunit.Abstractions;

namespace Hybrid.Training.Tests.Rl;

public sealed class PpoWithRewardModelTests(ITestOutputHelper output)
{
    /// <summary>Trains a score model on (prompt + right sum) ≻ (prompt + wrong sum) and saves it as a *ForSequenceClassification checkpoint.</summary>
    private static string TrainRewardModel(BytePolicy fixture, IReadOnlyList<PromptRow> rows)
    {
        DecoderConfig config = fixture.Policy.Config with { Architectures = ["Qwen2ForSequenceClassification"] };
        using var rm = new SequenceScoreModel(config);
        using (no_grad())
            rm.LoadStateDict(fixture.Policy.Model.StateDict().Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value), strict: false);
        using var optimizer = new AdamW(rm.parameters(), 3e-3, weightDecay: 0);
        var rng = new Random(5);
        for (int step = 0; step < 120; step++)
        {
            using var scope = NewDisposeScope();
            var batch = Enumerable.Range(0, 16).Select(_ => rows[rng.Next(rows.Count)]).ToList();
            var texts = batch.Select(r => r.Prompt + r.Columns["answer"])
                .Concat(batch.Select(r => r.Prompt + ((int.Parse(r.Columns["answer"]) + 1 + rng.Next(8)) % 19))).ToList();
            var ids = texts.Select(BytePolicy.Bytes).ToList();
            int width = ids.Max(x => x.Length);
            long[] flat = new long[ids.Count * width], mask = new long[ids.Count * width];
            for (int r = 0; r < ids.Count; r++)
                for (int t = 0; t < ids[r].Length; t++) { flat[r * width + t] = ids[r][t]; mask[r * width + t] = 1; }
            Tensor scores = rm.Forward(torch.tensor(flat, [ids.Count, width]), torch.tensor(mask, [ids.Count, width]));  // [2B]
            LossOutput loss = BradleyTerryLoss.Compute(scores.slice(0, 0, batch.Count, 1), scores.slice(0, batch.Count, long.MaxValue, 1));
            loss.Loss.backward();
            optimizer.Step();
            optimizer.ZeroGrad();
        }
        string dir = Path.Combine(fixture.Folder, "reward-hf");
        HfCheckpoint.Save(dir, config, rm.StateDict(), new SaveOptions { TokenizerSourceDir = fixture.TokenizerDir });
        return dir;
    }

    [Fact]
    public void PpoRaisesTheRewardModelsScore()
    {
        using var fixture = new BytePolicy("ppo");
        OnlinePolicy policy = fixture.Policy;
        var (train, _) = AdditionTask.Split();
        AdditionTask.WarmUp(policy, train, 150);
        string rmDir = TrainRewardModel(fixture, train);
        string rmOnnx = Path.Combine(fixture.Folder, "reward-onnx");
        DecoderExporter.ExportCheckpoint(rmDir, rmOnnx, new DecoderExportOptions());

        using IRewardScorer scorer = OnnxRewardScorer.Open(rmOnnx);
        var reward = new RewardModelReward(scorer);
        RlAxes axes = RlAxes.FromPreset(RlPresets.Create("ppo", groupSize: 1) with { MiniBatches = 4, UpdateEpochs = 2 });
        using DecoderModel reference = policy.FrozenCopy();
        using Critic critic = Critic.FromCheckpoint(rmDir, policy.Config);   // InstructGPT: the critic is initialised from the RM
        var config = new RlConfig { Iterations = 25, PromptsPerIteration = 64, MaxNewTokens = 4, LearningRate = 5e-4, CriticLearningRate = 1e-3, Seed = 3 };
        var trainer = new RlTrainer(policy, config, axes, train, reward, reference, critic, log: new TestLog(output));
        double before = trainer.Evaluate(train, 8);
        RlResult result = trainer.Train();
        double after = trainer.Evaluate(train, 8);
        output.WriteLine($"ppo: expected RM reward on the training prompts {before:F3} → {after:F3} in {result.Seconds:F1} s");
        foreach (var m in result.Iterations.Where((_, i) => i % 5 == 0))
            output.WriteLine($"reward {m["reward"]:F3} vf_loss {m["critic/vf_loss"]:F4} ev {m["critic/vf_explained_var"]:F3} kl_coef {m["actor/kl_coef"]:F4} reward_kl {m["actor/reward_kl"]:F4}");
        Assert.True(after > before + 0.1, $"ppo: expected RM reward {before:F3} → {after:F3}");
        Assert.All(result.Iterations, m => Assert.True(double.IsFinite(m["critic/vf_loss"]) && m.ContainsKey("critic/vf_explained_var") && m.ContainsKey("actor/kl_coef")));
    }
}
