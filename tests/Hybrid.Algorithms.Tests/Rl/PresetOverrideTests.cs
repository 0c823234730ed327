// RL preset overrides (hybrid rl's --beta, --epsilon-high, --filters, …): what each does to a named preset, read from
// text as the flags are typed, written back as flags, and errors that name the flag.
using Hybrid.Algorithms.Rl;

namespace Hybrid.Algorithms.Tests.Rl;

public class PresetOverrideTests
{
    private static RlPreset Apply(string preset, string flags, int maxNewTokens = 64) =>
        RlPresetOverrides.Parse(flags.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Apply(RlPresets.Registry.Create(preset) with { GroupSize = 8 }, maxNewTokens);

    [Fact]
    public void NoOverrideKeepsThePreset()
    {
        RlPreset grpo = RlPresets.Create("grpo", 8);
        Assert.Equal(grpo, Apply("grpo", ""));
        Assert.Empty(new RlPresetOverrides().ToArguments());
    }

    [Fact]
    public void BetaZeroRemovesTheKlTermAndBetaOnAKlFreePresetAddsGrpoKlToTheLoss()
    {
        RlPreset noKl = Apply("grpo", "--beta 0");
        Assert.Equal((KlPlacement.None, 0.0, "fixed"), (noKl.KlPlacement, noKl.KlCoefficient, noKl.KlController));

        RlPreset dapoKl = Apply("dapo", "--beta 0.04");
        Assert.Equal((KlPlacement.InLoss, 0.04, "k3"), (dapoKl.KlPlacement, dapoKl.KlCoefficient, dapoKl.KlEstimator));

        // PPO keeps its KL in the reward (and its adaptive controller) when only β changes; β = 0 also drops the controller.
        RlPreset ppo = Apply("ppo", "--beta 0.1");
        Assert.Equal((KlPlacement.InReward, 0.1, "adaptive"), (ppo.KlPlacement, ppo.KlCoefficient, ppo.KlController));
        RlPreset ppoNoKl = Apply("ppo", "--beta 0");
        Assert.Equal((KlPlacement.None, 0.0, "fixed"), (ppoNoKl.KlPlacement, ppoNoKl.KlCoefficient, ppoNoKl.KlController));
    }

    [Fact]
    public void DapoGivenGrpoValuesHasGrpoRecipe()
    {
        // What makes the two presets differ, set to GRPO's values; the name and paper stay DAPO's.
        RlPreset dapoAsGrpo = Apply("dapo", "--beta 0.04 --epsilon-high 0.2 --loss-aggregation seq_mean_token_mean --filters none --overlong-cache 0");
        Assert.Equal(RlPresets.Create("grpo", 8) with { Name = "dapo", Paper = dapoAsGrpo.Paper, Temperature = dapoAsGrpo.Temperature }, dapoAsGrpo);
    }

    [Fact]
    public void FiltersOverlongWindowClipAndBonus()
    {
        RlPreset grpoDs = Apply("grpo", "--filters dynamic_sampling reward_variance");
        Assert.Equal(["dynamic_sampling", "reward_variance"], grpoDs.Filters);
        Assert.Empty(Apply("dapo", "--filters none").Filters);

        // The overlong window ends at the response budget: L_max = 64, the last 10 tokens punished.
        RlPreset window = Apply("grpo", "--overlong-cache 10");
        Assert.Equal((64, 10), (window.OverlongMaxLength!.Value, window.OverlongCacheLength!.Value));
        Assert.Equal(-0.5, window.CreateOverlongPunishment()!.Penalty(59));   // (64 − 10 − 59) / 10
        RlPreset off = Apply("dapo", "--overlong-cache 0");
        Assert.Null(off.CreateOverlongPunishment());

        RlPreset rest = Apply("grpo", "--epsilon 0.1 --epsilon-high 0.3 --tis-cap 2 --entropy-coef 0.001");
        Assert.Equal((0.1, 0.3, 2.0, 0.001), (rest.ClipLow!.Value, rest.ClipHigh!.Value, rest.TisCap!.Value, rest.EntropyCoefficient));
    }

    [Fact]
    public void ToArgumentsReadsBackToTheSameOverrides()
    {
        string[] flags = ["--beta", "0.04", "--epsilon", "0.15", "--epsilon-high", "0.28", "--loss-aggregation", "token_mean",
                          "--filters", "dynamic_sampling", "reward_variance", "--overlong-cache", "12", "--tis-cap", "2", "--entropy-coef", "0.001"];
        RlPresetOverrides all = RlPresetOverrides.Parse(flags);
        Assert.Equal(flags, all.ToArguments());
        Assert.Equal((0.04, 0.15, 0.28, "token_mean", 12, 2.0, 0.001), (all.Beta!.Value, all.Epsilon!.Value, all.EpsilonHigh!.Value, all.LossAggregation, all.OverlongCache!.Value, all.TisCap!.Value, all.EntropyCoef!.Value));
        Assert.Equal(["dynamic_sampling", "reward_variance"], all.Filters!);
        Assert.Equal(["--beta", "0", "--filters", "none"], RlPresetOverrides.Parse(["--filters", "none", "--beta", "0"]).ToArguments());   // the order of FlagNames
    }

    [Theory]
    [InlineData("--group-size: not a preset override; these are: --beta, --epsilon, --epsilon-high, --loss-aggregation, --filters, --overlong-cache, --tis-cap, --entropy-coef", "--group-size 8")]
    [InlineData("--beta: given twice", "--beta 0 --beta 0.1")]
    [InlineData("--beta: needs one value", "--beta")]
    [InlineData("--beta 0 1: needs one value", "--beta 0 1")]
    [InlineData("--filters: needs one or more names", "--filters --beta 0")]
    [InlineData("--epsilon x: needs a number", "--epsilon x")]
    [InlineData("--overlong-cache 1.5: needs a whole number", "--overlong-cache 1.5")]
    public void TextThatIsNotOverridesIsRefusedNamingTheFlag(string expected, string flags)
    {
        var e = Assert.Throws<ArgumentException>(() => RlPresetOverrides.Parse(flags.Split(' ')));
        Assert.Equal(expected, e.Message);
    }

    [Theory]
    [InlineData("--beta -1: β must be ≥ 0 (preset grpo)", "grpo", "--beta -1")]
    [InlineData("--epsilon-high -1: ppo_clip: ClipHigh = -1: it must be ≥ 0 (e.g. 0.2) (preset dapo)", "dapo", "--epsilon-high -1")]
    [InlineData("--filters none dynamic_sampling: 'none' clears the preset's filters and cannot be combined with others", "dapo", "--filters none dynamic_sampling")]
    [InlineData("--overlong-cache 65: must lie in [0, --max-new-tokens = 64] (0 = no overlong punishment)", "dapo", "--overlong-cache 65")]
    public void AValueThePresetRefusesIsOneMessageNamingTheFlag(string expected, string preset, string flags)
    {
        var e = Assert.Throws<ArgumentException>(() => Apply(preset, flags));
        Assert.Equal(expected, e.Message);
    }
}
