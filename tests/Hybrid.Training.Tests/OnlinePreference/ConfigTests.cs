// Driver configs: defaults are valid, and every bad value fails naming the field, the value and a fix.
using Hybrid.Algorithms.Preference;
using Hybrid.Models.Generation;
using Hybrid.Training.OnlinePreference;
using Hybrid.Training.OnlinePreference.Spin;
using Hybrid.Training.OnlinePreference.StepDpo;

namespace Hybrid.Training.Tests.OnlinePreference;

public sealed class ConfigTests
{
    [Fact]
    public void DefaultsAreValidAndFollowThePapers()
    {
        OnlineDpoConfig online = new OnlineDpoConfig().Validate();
        Assert.Equal((2, 0.9, 64), (online.SamplesPerPrompt, online.Sampling.Temperature, online.Sampling.MaxNewTokens));   // TRL OnlineDPOConfig
        Assert.Equal("sigmoid", online.Update.Loss);
        Assert.Equal(0.1, Assert.IsType<DpoLoss>(online.Update.CreateLoss()).Beta);                                        // DPO's β
        Assert.Equal(ReferenceChoice.Initial, online.Reference);
        SpinConfig spin = new SpinConfig().Validate();
        Assert.Equal((0.1, 2, 5e-7), (spin.Update.LossOptions.Beta, spin.Update.Epochs, spin.Update.LearningRate));                       // SPIN paper
        new StepDpoConfig().Validate();
    }

    public static TheoryData<Func<object>, string> Bad => new()
    {
        { () => new OnlineDpoConfig { Iterations = 0 }.Validate(), "OnlineDpoConfig.Iterations = 0" },
        { () => new OnlineDpoConfig { PromptsPerIteration = -1 }.Validate(), "OnlineDpoConfig.PromptsPerIteration = -1" },
        { () => new OnlineDpoConfig { SamplesPerPrompt = 1 }.Validate(), "OnlineDpoConfig.SamplesPerPrompt = 1" },
        { () => new OnlineDpoConfig { Sampling = SamplingParams.Greedy(8) }.Validate(), "OnlineDpoConfig.Sampling = greedy" },
        { () => new OnlineDpoConfig { MissingEosPenalty = -1 }.Validate(), "OnlineDpoConfig.MissingEosPenalty = -1" },
        { () => new OnlineDpoConfig { MinScoreGap = double.NaN }.Validate(), "OnlineDpoConfig.MinScoreGap = NaN" },
        { () => new OnlineDpoConfig { EvalSamplesPerPrompt = 0 }.Validate(), "OnlineDpoConfig.EvalSamplesPerPrompt = 0" },
        { () => new OnlineDpoConfig { Update = new PairUpdateConfig { LossOptions = new() { Beta = 0 } } }.Validate(), "PreferenceLossOptions.Beta = 0" },
        { () => new OnlineDpoConfig { Update = new PairUpdateConfig { LearningRate = -1e-3 } }.Validate(), "OnlineDpoConfig.Update.LearningRate = -0.001" },
        { () => new OnlineDpoConfig { Update = new PairUpdateConfig { Loss = " " } }.Validate(), "OnlineDpoConfig.Update.Loss = ' '" },
        { () => new SpinConfig { Iterations = 0 }.Validate(), "SpinConfig.Iterations = 0" },
        { () => new SpinConfig { SamplesPerPrompt = 0 }.Validate(), "SpinConfig.SamplesPerPrompt = 0" },
        { () => new SpinConfig { Update = new PairUpdateConfig { Epochs = 0 } }.Validate(), "SpinConfig.Update.Epochs = 0" },
        { () => new StepDpoConfig { Update = new PairUpdateConfig { BatchSize = 0 } }.Validate(), "StepDpoConfig.Update.BatchSize = 0" },
        { () => new StepDpoConfig { Update = new PairUpdateConfig { MaxGradNorm = 0 } }.Validate(), "StepDpoConfig.Update.MaxGradNorm = 0" },
        { () => new StepDpoConfig { Update = new PairUpdateConfig { WeightDecay = -0.1 } }.Validate(), "StepDpoConfig.Update.WeightDecay = -0.1" },
    };

    [Theory]
    [MemberData(nameof(Bad))]
    public void BadValuesNameTheFieldAndTheValue(Func<object> validate, string expected)
    {
        var e = Assert.Throws<ArgumentException>(validate);
        Assert.StartsWith(expected, e.Message);
        Assert.Contains(":", e.Message);   // followed by the fix
    }

    [Fact]
    public void LossesComeFromTheRegistryAndMustReadPairs()
    {
        Assert.Equal("ipo", new PairUpdateConfig { Loss = "ipo" }.CreateLoss().Name);
        Assert.NotNull(new PairUpdateConfig { Loss = "sigmoid:1,nll:0.2" }.CreateLoss());   // β applied to sigmoid only
        Assert.NotNull(new PairUpdateConfig { Loss = "nll" }.CreateLoss());                 // reads no β: none passed
        var unknown = Assert.Throws<ArgumentException>(() => new OnlineDpoTrainer(new OnlineDpoConfig { Update = new PairUpdateConfig { Loss = "dpo" } }));
        Assert.Contains("sigmoid", unknown.Message);                                         // lists the known names
        var unpaired = Assert.Throws<ArgumentException>(() => new SpinTrainer(new SpinConfig { Update = new PairUpdateConfig { Loss = "kto" } }));
        Assert.StartsWith("SpinConfig.Update.Loss = 'kto'", unpaired.Message);
    }

    [Fact]
    public void DriversValidateTheirConfigWhenBuilt()
    {
        Assert.Throws<ArgumentException>(() => new OnlineDpoTrainer(new OnlineDpoConfig { Iterations = 0 }));
        Assert.Throws<ArgumentException>(() => new SpinTrainer(new SpinConfig { Iterations = 0 }));
        Assert.Throws<ArgumentException>(() => new StepDpoTrainer(new StepDpoConfig { Update = new PairUpdateConfig { LossOptions = new() { Beta = -1 } } }));
    }

    /// <summary>
    /// `hybrid dpo --loss SPEC` and `hybrid online-dpo --loss SPEC` build the same loss: both read the same loss options
    /// (an unset β keeps each loss's paper default; online DPO once forced β = 0.1 onto SimPO, whose default is 2.0).
    /// </summary>
    [Theory]
    [InlineData("simpo", null)]
    [InlineData("simpo", 1.5)]
    [InlineData("sigmoid", null)]
    [InlineData("ipo", 0.3)]
    [InlineData("sigmoid:1,nll:0.2", 0.2)]
    public void DpoAndOnlineDpoBuildTheSameLossForTheSameSpec(string spec, double? beta)
    {
        var options = new PreferenceLossOptions { Beta = beta };
        IPreferenceLoss offline = new Hybrid.Training.Preference.PreferenceConfig { ModelPath = "", TrainData = "", OutputDir = "", Loss = spec, LossOptions = options }.CreateLoss();
        IPreferenceLoss online = new PairUpdateConfig { Loss = spec, LossOptions = options }.CreateLoss();
        Assert.Equal(Describe(offline), Describe(online));
        if (spec == "simpo" && beta is null) Assert.Equal(SimPoLoss.DefaultBeta, Assert.IsType<SimPoLoss>(online).Beta);   // 2.0, not DPO's 0.1
    }

    /// <summary>The loss's type and hyperparameters (public numeric properties), members of a combination included.</summary>
    private static string Describe(IPreferenceLoss loss) => loss is CombinedPreferenceLoss combined
        ? string.Join(" + ", combined.Members.Select(m => $"{m.Weight}·{Describe(m.Loss)}"))
        : loss.GetType().Name + "(" + string.Join(", ", loss.GetType().GetProperties()
            .Where(p => p.PropertyType == typeof(double)).Select(p => $"{p.Name}={p.GetValue(loss)}")) + ")";
}
