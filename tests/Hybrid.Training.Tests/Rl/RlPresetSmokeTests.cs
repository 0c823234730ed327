// Every named preset runs end to end through GenAI rollouts with a weight sync per iteration, plus the entropy-bonus and PPO-ptx paths.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Data;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;
using Hybrid.Training.Sft;
using Hybrid.Training.Tests.Online;

namespace Hybrid.Training.Tests.Rl;

public sealed class RlPresetSmokeTests
{
    public static TheoryData<string> Presets() => new(RlAxes.PresetNames);

    [Theory]
    [MemberData(nameof(Presets))]
    public void PresetRunsTwoIterationsWithASyncEach(string name)
    {
        using var fixture = new BytePolicy("smoke-" + name);
        OnlinePolicy policy = fixture.Policy;
        var (train, _) = AdditionTask.Split();
        AdditionTask.WarmUp(policy, train, 60);
        RlPreset preset = RlAxes.FitToBudget(RlPresets.Create(name, name is "ppo" or "remax" ? null : 4), 4);
        RlAxes axes = RlAxes.FromPreset(preset);
        using DecoderModel? reference = axes.NeedsReference ? policy.FrozenCopy() : null;
        using Critic? critic = axes.NeedsCritic ? new Critic(policy.Config) : null;
        var config = new RlConfig { Iterations = 2, PromptsPerIteration = 4, MaxNewTokens = 4, Seed = 5 };
        var reward = new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0));
        long baseline = TensorUtil.LiveTensors;
        RlResult result = new RlTrainer(policy, config, axes, train, reward, reference, critic).Train();
        Assert.Equal(baseline, TensorUtil.LiveTensors);                 // every iteration's tensors were freed
        Assert.Equal(2, result.Iterations.Count);
        Assert.Equal(3, policy.Version);                               // warm-up push + one sync per iteration
        Assert.All(result.Iterations, m => Assert.True(m.ContainsKey("timing_s/gen") && m.ContainsKey("frac_reward_zero_std")));
        Assert.All(result.Iterations.Where(m => m.ContainsKey("actor/pg_loss")), m => Assert.True(double.IsFinite(m["actor/pg_loss"])));
    }

    [Fact]
    public void EntropyBonusAndPtxEnterTheActorLoss()
    {
        using var fixture = new BytePolicy("smoke-ptx");
        OnlinePolicy policy = fixture.Policy;
        var (train, _) = AdditionTask.Split();
        AdditionTask.WarmUp(policy, train, 60);
        var tokenizer = new SftTokenizer(BytePolicy.Bytes, policy.EosTokenId, _ => throw new NotSupportedException(), maxLength: 32);
        var ptx = train.Select(r => tokenizer.Tokenize(new SftExample(SftExampleKind.PromptCompletion, r.Source) { Prompt = r.Prompt, Completion = r.Columns["answer"] })).ToList();
        RlAxes axes = RlAxes.FromPreset(RlPresets.Create("dr_grpo", 4) with { EntropyCoefficient = 0.01 });
        var config = new RlConfig { Iterations = 2, PromptsPerIteration = 4, MaxNewTokens = 4, PtxCoefficient = 0.5, Seed = 5 };
        var reward = new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0));
        RlResult result = new RlTrainer(policy, config, axes, train, reward, ptx: ptx).Train();
        Assert.All(result.Iterations, m =>
        {
            Assert.True(m["actor/ptx_loss"] > 0, "the SFT (ptx) loss is logged and positive");
            Assert.True(m["actor/entropy"] > 0);
        });
    }
}
