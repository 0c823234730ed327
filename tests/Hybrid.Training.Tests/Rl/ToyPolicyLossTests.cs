// Adding a policy loss takes one class and one registry line: presets name it, validation reads its declared capabilities,
// and the RL trainer trains with it.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;
using Hybrid.Training.Tests.Online;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Training.Tests.Rl;

public sealed class ToyPolicyLossTests
{
    /// <summary>The toy: the unclipped importance-weighted policy gradient −Â·ρ. The class is all a new loss needs.</summary>
    private sealed class UnclippedRatioLoss : PolicyLoss
    {
        public override string Name => "toy_unclipped_ratio";

        protected override Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics) =>
            -inputs.Advantages * LogRatio(inputs).exp();                                 // [N, A]
    }

    static ToyPolicyLossTests()
    {
        if (!PolicyLosses.Registry.Contains("toy_unclipped_ratio"))
            PolicyLosses.Register("toy_unclipped_ratio", _ => new UnclippedRatioLoss());   // ← the one registry line
    }

    [Fact]
    public void ARegisteredLossIsValidatedByItsCapabilitiesAndComputesItsFormula()
    {
        RlAxes axes = RlAxes.FromPreset(RlPresets.Create("grpo", groupSize: 2) with { PolicyLoss = "toy_unclipped_ratio", ClipLow = null, ClipHigh = null, UpdateEpochs = 2 });
        Assert.Equal("toy_unclipped_ratio", axes.PolicyLoss.Name);
        // grpo's clip range belongs to ppo_clip: kept while switching to a loss without one, it is refused, not ignored.
        var misplaced = Assert.Throws<ArgumentException>(() => RlAxes.FromPreset(RlPresets.Create("grpo", groupSize: 2) with { PolicyLoss = "toy_unclipped_ratio" }));
        Assert.Contains("ClipLow = 0.2 is invalid; policy loss 'toy_unclipped_ratio' does not take a clip range", misplaced.Message);
        // It declares no dual clip, so a preset asking for one is refused with the losses that take it.
        var refused = Assert.Throws<ArgumentException>(() => RlPresets.Create("grpo", groupSize: 2) with { PolicyLoss = "toy_unclipped_ratio", ClipLow = null, ClipHigh = null, DualClip = 3.0 }
            is var p ? RlAxes.FromPreset(p) : null);
        Assert.Contains("policy loss 'toy_unclipped_ratio' does not take a dual clip; the losses that do: ppo_clip", refused.Message);

        // Two responses of two tokens (the second response's last token is padding): by hand, −Â·exp(log π − log π_old).
        using var scope = NewDisposeScope();
        double[,] logProbs = { { -1.0, -2.0 }, { -0.5, -3.0 } }, old = { { -1.2, -2.0 }, { -0.4, -9.0 } }, adv = { { 1.5, 1.5 }, { -2.0, -2.0 } };
        double[,] mask = { { 1, 1 }, { 1, 0 } };
        Tensor T(double[,] v) => torch.tensor(v.Cast<double>().ToArray(), [2, 2], ScalarType.Float64);
        PolicyLossOutput output = axes.PolicyLoss.Compute(new PolicyLossInputs { LogProbs = T(logProbs), OldLogProbs = T(old), Advantages = T(adv), Mask = T(mask), GroupSize = 2 });
        double[] expected = [-1.5 * Math.Exp(0.2), -1.5 * Math.Exp(0.0), 2.0 * Math.Exp(-0.1), 0.0];
        double[] actual = output.TokenLoss.to(ScalarType.Float64).data<double>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 12);
    }

    [Fact]
    public void TheRlTrainerTrainsWithTheRegisteredLoss()
    {
        using var fixture = new BytePolicy("rl-toy-loss");
        OnlinePolicy policy = fixture.Policy;
        var (train, _) = AdditionTask.Split();
        AdditionTask.WarmUp(policy, train, 30);
        RlAxes axes = RlAxes.FromPreset(RlPresets.Create("grpo", groupSize: 4) with { PolicyLoss = "toy_unclipped_ratio", ClipLow = null, ClipHigh = null });
        var config = new RlConfig { Iterations = 2, PromptsPerIteration = 4, MaxNewTokens = 4, LearningRate = 5e-4, Seed = 3 };
        using var reference = policy.FrozenCopy();
        var trainer = new RlTrainer(policy, config, axes, train, new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0)), reference);
        long live = TensorUtil.LiveTensors;
        RlResult result = trainer.Train();
        Assert.Equal(2, result.Iterations.Count);
        Assert.All(result.Iterations, m => Assert.True(double.IsFinite(m["actor/pg_loss"]), "the toy loss reached the update"));
        Assert.Equal(live, TensorUtil.LiveTensors);
    }
}
