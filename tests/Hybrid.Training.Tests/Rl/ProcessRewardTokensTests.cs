// Step rewards → [N, A] token tensors, checked against values worked by hand from the formulas.
using Hybrid.Algorithms.Rewards.Process;
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Rl;

namespace Hybrid.Training.Tests.Rl;

public sealed class ProcessRewardTokensTests
{
    // One group of G = 2: response 0 has 4 tokens, steps ending at tokens 1 and 3 with rewards 1 and 0; response 1 has
    // 3 tokens, one step ending at token 2 with reward 1. Width A = 5.
    private static readonly int[] Lengths = [4, 3];
    private static readonly int[][] Ends = [[1, 3], [2]];
    private static readonly double[][] Rewards = [[1, 0], [1]];

    private static float[] Tokens(ProcessReward process)
    {
        using var scope = NewDisposeScope();
        return process.Tokens(Lengths, Ends, Rewards, groupSize: 2, width: 5).data<float>().ToArray();
    }

    [Fact]
    public void AdvantagesAreDeepSeekMathsSuffixSumsOfGroupNormalisedStepRewards()
    {
        // R = {1, 0, 1}: mean 2/3, sample std √(((1/3)² + (2/3)² + (1/3)²) / 2) = √(1/3).
        // r̃(1) = (1/3)/√(1/3) = √(1/3) ≈ 0.57735; r̃(0) = −(2/3)/√(1/3) = −2√(1/3) ≈ −1.15470.
        // Response 0: t ≤ 1 sees both steps: 0.57735 − 1.15470 = −0.57735; t = 2, 3 see step 1 only: −1.15470.
        // Response 1: t ≤ 2: 0.57735. Padding 0. Weight 2 doubles everything.
        double s = Math.Sqrt(1.0 / 3);
        double[] expected = [-s, -s, -2 * s, -2 * s, 0, s, s, s, 0, 0];
        float[] got = Tokens(new ProcessReward(new ArithmeticStepVerifier(), ProcessRewardUse.Advantages, Weight: 2));
        for (int i = 0; i < expected.Length; i++) Assert.Equal(2 * expected[i], got[i], 1e-5);
    }

    [Fact]
    public void TokenRewardsSitAtEachStepsLastToken()
    {
        float[] got = Tokens(new ProcessReward(new ArithmeticStepVerifier(), ProcessRewardUse.TokenRewards, Weight: 0.5));
        Assert.Equal([0f, 0.5f, 0f, 0f, 0f, 0f, 0f, 0.5f, 0f, 0f], got);
    }

    [Fact]
    public void BadShapesAndWeightsAreRejected()
    {
        var process = new ProcessReward(new ArithmeticStepVerifier());
        Assert.Throws<ArgumentException>(() => process.Tokens(Lengths, Ends, Rewards, groupSize: 3, width: 5));   // not whole groups
        Assert.Throws<ArgumentException>(() => process.Tokens(Lengths, Ends, Rewards, groupSize: 2, width: 3));   // longer than the width
        RlAxes grpo = RlAxes.FromPreset(RlPresets.Create("grpo", 4));
        Assert.Contains("Weight", Assert.Throws<ArgumentException>(() => (process with { Weight = double.NaN }).CheckFits(grpo)).Message);
    }
}
