// RL runs take the same optimizer settings as the offline trainers: AdamW's β, ε, weight decay, and a linear warm-up.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Training.Loop;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;
using Hybrid.Training.Tests.Online;

namespace Hybrid.Training.Tests.Rl;

public sealed class RlOptimizerSettingsTests
{
    [Fact]
    public void WarmupIsLinearOverTheFirstStepsThenOne()
    {
        var settings = new OptimizerSettings { WarmupRatio = 0.3 };   // ⌈0.3·10⌉ = 3 warm-up steps: 1/3, 2/3, 3/3, then 1
        Assert.Equal([1 / 3.0, 2 / 3.0, 1, 1, 1], Enumerable.Range(0, 5).Select(s => settings.WarmupFactor(s, 10)));
        Assert.Equal(1, new OptimizerSettings().WarmupFactor(0, 10));
        Assert.Contains("RlConfig.Optimizer.AdamBeta2 = 1", Assert.Throws<ArgumentException>(() => new RlConfig { Optimizer = new() { AdamBeta2 = 1 } }.Validate()).Message);
    }

    [Fact]
    public void AnRlRunWarmsUpItsLearningRateAndBuildsAdamWFromTheSettings()
    {
        using var fixture = new BytePolicy("rl-optimizer");
        OnlinePolicy policy = fixture.Policy;
        var (train, _) = AdditionTask.Split();
        AdditionTask.WarmUp(policy, train, 30);
        RlAxes axes = RlAxes.FromPreset(RlPresets.Create("grpo", groupSize: 4));
        var settings = new OptimizerSettings { AdamBeta1 = 0.8, AdamBeta2 = 0.95, WeightDecay = 0.1, WarmupRatio = 0.5 };
        var config = new RlConfig { Iterations = 4, PromptsPerIteration = 4, MaxNewTokens = 4, LearningRate = 1e-3, Seed = 5, Optimizer = settings };
        using var reference = policy.FrozenCopy();
        RlResult result = new RlTrainer(policy, config, axes, train, new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0)), reference).Train();
        // ⌈0.5·4⌉ = 2 warm-up iterations: lr/2, lr, then lr
        Assert.Equal([5e-4, 1e-3, 1e-3, 1e-3], result.Iterations.Select(m => m["actor/lr"]));
        using var optimizer = settings.Create(policy.Model.parameters(), 1e-3);
        Assert.Equal((0.8, 0.95, 0.1), (optimizer.Beta1, optimizer.Beta2, optimizer.WeightDecay));
    }
}
