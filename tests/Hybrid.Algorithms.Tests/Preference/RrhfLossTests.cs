// RRHF: rank hinge + best-response NLL worked by hand on B = 2 prompts × K = 3 responses, ties, gradients.
using Hybrid.Algorithms.Preference;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class RrhfLossTests
{
    // Prompt 0: p = logp/|y| = [−6/3, −4/4, −9/3] = [−2, −1, −3], rewards [1, 0.5, 2].
    // Prompt 1: p = [−2/2, −6/3, −3/1] = [−1, −2, −3], rewards [3, 1, 1] (responses 1 and 2 tie).
    private static readonly double[] Logps = [-6, -4, -9, -2, -6, -3], Tokens = [3, 4, 3, 2, 3, 1], Rewards = [1, 0.5, 2, 3, 1, 1];

    private static PreferenceInputs Inputs(out Tensor logps, double[]? rewards = null)
    {
        logps = torch.tensor(Logps, [2, 3]).requires_grad_();
        return new PreferenceInputs
        {
            RankLogps = logps, RankTokens = torch.tensor(Tokens, [2, 3]), RankRewards = torch.tensor(rewards ?? Rewards, [2, 3]),
        };
    }

    [Fact]
    public void ValueMetricsAndGradientMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // Prompt 0, pairs (worse i, better j): (1,0): max(0, −1 + 2) = 1; (1,2): max(0, −1 + 3) = 2; (0,2): max(0, −2 + 3) = 1
        //   → L_rank = 4; best = 2 → L_ft = 3; total 7.
        // Prompt 1: (1,0): max(0, −2 + 1) = 0; (2,0): max(0, −3 + 1) = 0; (1,2) tie → skipped → L_rank = 0; best = 0 → L_ft = 1.
        // L = (7 + 1)/2 = 4.
        var loss = new RrhfLoss();
        Assert.False(loss.NeedsReference);
        Assert.Equal(PreferenceDataKind.Ranked, loss.DataKind);
        LossOutput output = loss.Compute(Inputs(out Tensor logps));
        Close(4, output.Loss.ToDouble());
        Close(4, output.Metrics["loss"]);
        Close(2, output.Metrics["rank_loss"]);
        Close(2, output.Metrics["nll_loss"]);
        Close(2.0 / 5, output.Metrics["rank_accuracy"]);               // of 5 ordered pairs, prompt 1's two are right
        Close((-9 - 2) / 2.0, output.Metrics["logps/best"]);

        // Gradient (÷ B = 2): prompt 0: logp₀: −1/3 (pair 1,0) + 1/3 (pair 0,2) = 0; logp₁: +1/4 + 1/4; logp₂: −1/3 − 1/3 − 1/3 (NLL).
        // Prompt 1: only the NLL of response 0: −1/2.
        output.Loss.backward();
        double[] expected = [0, 0.5 / 2, -1.0 / 2, -0.5 / 2, 0, 0];
        double[] g = GradOf(logps);
        for (int i = 0; i < 6; i++) Close(expected[i], g[i], 1e-12);
    });

    [Fact]
    public void TiedBestRewardsTakeTheFirstResponse()
    {
        using var scope = NewDisposeScope();
        // Prompt 0 rewards [2, 2, 1]: best = response 0 (p = −2) → L_ft = 2; pairs (2,0): max(0, −3 + 2) = 0, (2,1): max(0, −3 + 1) = 0.
        // Prompt 1 unchanged: 1. L = (2 + 1)/2.
        Close(1.5, new RrhfLoss().Compute(Inputs(out _, rewards: [2, 2, 1, 3, 1, 1])).Loss.ToDouble());
    }

    [Fact]
    public void ShapesAreChecked()
    {
        using var scope = NewDisposeScope();
        PreferenceInputs oneResponse = Inputs(out _) with { RankLogps = torch.zeros([2, 1], ScalarType.Float64) };
        Assert.Contains("K >= 2", Assert.Throws<ArgumentException>(() => new RrhfLoss().Compute(oneResponse)).Message);
        PreferenceInputs mismatch = Inputs(out _) with { RankTokens = torch.ones([3, 2], ScalarType.Float64) };
        Assert.Equal("RankTokens", Assert.Throws<ArgumentException>(() => new RrhfLoss().Compute(mismatch)).ParamName);
    }
}
