// RL presets: every named recipe validates with the papers' values; overrides and validation errors name field and fix.
using Hybrid.Algorithms.Rl;

namespace Hybrid.Algorithms.Tests.Rl;

public class PresetTests
{
    [Fact]
    public void EveryPresetValidatesAndBuildsItsAxes()
    {
        string[] expected = ["dapo", "dr_grpo", "ghpo", "gmpo", "grpo", "grpo_lambda", "gspo", "gvpo", "ppo", "raft", "raft_pp", "reinforce_pp", "reinforce_rej", "remax", "rloo"];
        Assert.Equal(expected, RlPresets.Registry.Names);
        foreach (string name in RlPresets.Registry.Names)
        {
            RlPreset preset = RlPresets.Create(name, groupSize: 4);
            Assert.Equal(name, preset.Name);
            Assert.NotEmpty(preset.Paper);
            Assert.Equal(preset.AdvantageEstimator, preset.CreateAdvantageEstimator().Name);
            Assert.Equal(preset.PolicyLoss, preset.CreatePolicyLoss().Name);
            Assert.Equal(preset.Aggregation, preset.CreateAggregation().Name);
            Assert.Equal(preset.KlEstimator, preset.CreateKlEstimator().Name);
            Assert.Equal(preset.KlCoefficient, preset.CreateKlController().Value);
            Assert.Equal(preset.Filters.Count, preset.CreateFilters().Count);
        }
    }

    [Fact]
    public void PapersValues()
    {
        RlPreset grpo = RlPresets.Create("grpo", 8);
        Assert.Equal(("grpo", "ppo_clip", "seq_mean_token_mean", "k3", KlPlacement.InLoss, 0.04, 0.2, 0.2, 8),
            (grpo.AdvantageEstimator, grpo.PolicyLoss, grpo.Aggregation, grpo.KlEstimator, grpo.KlPlacement, grpo.KlCoefficient, grpo.ClipLow!.Value, grpo.ClipHigh!.Value, grpo.GroupSize));

        RlPreset dr = RlPresets.Create("dr_grpo", 8);
        Assert.Equal(("dr_grpo", "seq_mean_token_sum_norm", KlPlacement.None, 0.0), (dr.AdvantageEstimator, dr.Aggregation, dr.KlPlacement, dr.KlCoefficient));

        RlPreset dapo = RlPresets.Create("dapo", 16);
        Assert.Equal((0.2, 0.28, "token_mean", KlPlacement.None, 20480, 4096), (dapo.ClipLow!.Value, dapo.ClipHigh!.Value, dapo.Aggregation, dapo.KlPlacement, dapo.OverlongMaxLength!.Value, dapo.OverlongCacheLength!.Value));
        Assert.Equal(["dynamic_sampling"], dapo.Filters);
        Assert.Equal(-0.5, dapo.CreateOverlongPunishment()!.Penalty(18432));

        RlPreset gspo = RlPresets.Create("gspo", 8);
        Assert.Equal(("gspo", 3e-4, 4e-4, "seq_mean_token_mean"), (gspo.PolicyLoss, gspo.ClipLow!.Value, gspo.ClipHigh!.Value, gspo.Aggregation));

        RlPreset ppo = RlPresets.Create("ppo");
        Assert.Equal(("gae", 1.0, 0.95, 0.2, 0.2, 0.1, "k1", KlPlacement.InReward, "adaptive", 0.2, 6.0, 10_000L, 1),
            (ppo.AdvantageEstimator, ppo.Gamma, ppo.Lambda, ppo.ClipLow!.Value, ppo.ValueClip!.Value, ppo.ValueCoefficient, ppo.KlEstimator,
             ppo.KlPlacement, ppo.KlController, ppo.KlCoefficient, ppo.KlTarget, ppo.KlHorizon, ppo.GroupSize));
        Assert.IsType<AdaptiveKlController>(ppo.CreateKlController());
        Assert.True(ppo.CreateAdvantageEstimator().NeedsCritic);

        RlPreset rpp = RlPresets.Create("reinforce_pp", 1);
        Assert.Equal(("reinforce_pp", "k1", KlPlacement.InReward, true), (rpp.AdvantageEstimator, rpp.KlEstimator, rpp.KlPlacement, rpp.WhitenAdvantages!.Value));

        Assert.True(RlPresets.Create("remax").CreateAdvantageEstimator().NeedsGreedyBaseline);
        Assert.True(RlPresets.Create("gvpo", 4).CreatePolicyLoss().NeedsReference);
        Assert.Equal(["reinforce_rej"], RlPresets.Create("reinforce_rej", 4).Filters);
        Assert.Equal(0.2, RlPresets.Create("grpo_lambda", 4).GrpoLambdaFraction);
        Assert.True(RlPresets.Create("ghpo", 4).GhpoHints);
    }

    [Fact]
    public void OverridesWithWith()
    {
        RlPreset mine = RlPresets.Create("grpo", 8) with { KlCoefficient = 0.02, ClipLow = 0.15, ClipHigh = 0.25 };
        mine.Validate();
        Assert.Equal(0.02, mine.CreateKlController().Value);
        Assert.Equal(0.04, RlPresets.Create("grpo", 8).KlCoefficient); // the registry hands out fresh presets
        var configured = Assert.IsType<PpoClipLoss>(mine.CreatePolicyLoss());   // the preset's hyperparameters are the loss's
        Assert.Equal((0.15, 0.25, (double?)null), (configured.ClipLow, configured.ClipHigh, configured.DualClip));
        Assert.Equal((PpoClipLoss.DefaultClip, PpoClipLoss.DefaultClip), (RlPresets.Create("grpo", 8).ClipLow!.Value, RlPresets.Create("grpo", 8).ClipHigh!.Value));
        RlPreset drLength = RlPresets.Create("dr_grpo", 8) with { AggregationLength = 1024 };
        Assert.Equal(1024, ((SeqMeanTokenSumNorm)drLength.CreateAggregation()).NormLength);
    }

    [Fact]
    public void GroupRecipesNeedTheCallersGroupSize()
    {
        foreach (string name in new[] { "grpo", "dapo", "rloo", "gvpo" })
        {
            var error = Assert.Throws<ArgumentException>(() => RlPresets.Create(name));
            Assert.Equal("GroupSize", error.ParamName);
            Assert.Contains("GroupSize = 0 is invalid", error.Message);
            Assert.Contains("GroupSize = 8", error.Message);
        }
        Assert.Equal(1, RlPresets.Create("ppo").GroupSize);
        Assert.Equal(4, RlPresets.Create("ppo", 4).GroupSize);
    }

    [Fact]
    public void ValidationNamesFieldValueAndFix()
    {
        RlPreset grpo = RlPresets.Create("grpo", 8);
        AssertInvalid(grpo with { KlPlacement = KlPlacement.None }, "KlCoefficient", "0.04", "set KlCoefficient = 0");
        AssertInvalid(grpo with { KlPlacement = KlPlacement.InReward }, "KlPlacement", "InReward", "use KlPlacement.InLoss");
        AssertInvalid(grpo with { AdvantageEstimator = "gae" }, "ValueCoefficient", "0", "TRL 0.1");
        AssertInvalid(grpo with { ValueCoefficient = 0.1 }, "ValueCoefficient", "0.1", "no critic");
        AssertInvalid(grpo with { GroupSize = 1 }, "GroupSize", "1", "at least 2");
        AssertInvalid(grpo with { PolicyLoss = "ppo2" }, "PolicyLoss", "ppo2", "choose one of gmpo, gspo, gvpo, ppo_clip");
        AssertInvalid(grpo with { ClipLow = 1.5 }, "ClipLow", "1.5", "< 1");
        AssertInvalid(grpo with { DualClip = 0.9 }, "DualClip", "0.9", "c > 1");
        AssertInvalid(grpo with { Temperature = 0 }, "Temperature", "0", "> 0");
        AssertInvalid(grpo with { OverlongMaxLength = 100 }, "OverlongCacheLength", "null", "both L_max and L_cache");
        AssertInvalid(grpo with { OverlongMaxLength = 100, OverlongCacheLength = 200 }, "OverlongCacheLength", "200", "(0, L_max = 100]");
        AssertInvalid(grpo with { Filters = ["dynamic"] }, "Filters", "dynamic", "dynamic_sampling");
        AssertInvalid(grpo with { AggregationLength = 512 }, "AggregationLength", "512", "seq_mean_token_sum_norm");
        AssertInvalid(grpo with { KlController = "adaptive", KlPlacement = KlPlacement.None, KlCoefficient = 0 }, "KlController", "adaptive", "placed KL");
        AssertInvalid(RlPresets.Create("raft", 4) with { UpdateEpochs = 2 }, "UpdateEpochs", "2", "UpdateEpochs = 1");
        AssertInvalid(grpo with { TisCap = 0.5 }, "TisCap", "0.5", "≥ 1");
    }

    private static void AssertInvalid(RlPreset preset, string field, string value, string fix)
    {
        var error = Assert.Throws<ArgumentException>(() => preset.Validate());
        Assert.Equal(field, error.ParamName);
        Assert.Contains($"{field} = {value} is invalid", error.Message);
        Assert.Contains(fix, error.Message);
    }
}
