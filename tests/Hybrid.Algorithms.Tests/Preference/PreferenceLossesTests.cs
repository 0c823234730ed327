// The registry and factory: names, defaults, option overrides and their validation, spec parsing and its errors.
using Hybrid.Algorithms.Preference;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class PreferenceLossesTests
{
    private static readonly string[] AllNames = ["cdpo", "hinge", "ipo", "kto", "nll", "odpo", "orpo", "rdpo", "robust", "rrhf", "sigmoid", "simpo"];

    [Fact]
    public void EveryLiteratureNameIsRegisteredWithItsShapeAndReferenceNeed()
    {
        Assert.Equal(AllNames, PreferenceLosses.Registry.Names);
        string[] referenceFree = ["nll", "orpo", "rrhf", "simpo"];
        foreach (string name in AllNames)
        {
            IPreferenceLoss loss = PreferenceLosses.Create(name);
            Assert.Equal(name, loss.Name);
            Assert.Equal(!referenceFree.Contains(name), loss.NeedsReference);
            PreferenceDataKind expected = name == "kto" ? PreferenceDataKind.Unpaired
                                        : name == "rrhf" ? PreferenceDataKind.Ranked : PreferenceDataKind.Paired;
            Assert.Equal(expected, loss.DataKind);
            Assert.Equal(expected, PreferenceLosses.Registry.Create(name).DataKind);
        }
    }

    [Fact]
    public void DefaultsAreThePaperValuesAndOptionsOverrideThem()
    {
        Assert.Equal(0.1, ((DpoLoss)PreferenceLosses.Create("sigmoid")).Beta);
        Assert.Equal(0.0, ((DpoLoss)PreferenceLosses.Create("sigmoid")).LabelSmoothing);
        Assert.Equal(0.2, ((RDpoLoss)PreferenceLosses.Create("rdpo")).Alpha);
        Assert.Equal(1.0, ((OdpoLoss)PreferenceLosses.Create("odpo")).Alpha);
        Assert.Equal(1.0, ((KtoLoss)PreferenceLosses.Create("kto")).UndesirableWeight);
        var custom = (DpoLoss)PreferenceLosses.Create("cdpo", new() { Beta = 0.05, LabelSmoothing = 0.3 });
        Assert.Equal((0.05, 0.3), (custom.Beta, custom.LabelSmoothing));
        Close(Mean(i => 0.7 * -LogSigmoid(0.05 * PairedBatch.Three.Margin(i)) + 0.3 * -LogSigmoid(-0.05 * PairedBatch.Three.Margin(i)), 3),
              Value(custom, PairedBatch.Three));
    }

    [Fact]
    public void UnknownNamesListTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => PreferenceLosses.Create("dpo"));
        Assert.Contains("unknown preference loss 'dpo'; known: " + string.Join(", ", AllNames), error.Message);
        var inList = Assert.Throws<ArgumentException>(() => PreferenceLosses.Parse("sigmoid:1,sft:0.5"));
        Assert.Contains("'sft'", inList.Message);
        Assert.Contains("simpo", inList.Message);
    }

    [Fact]
    public void InvalidOrUnreadOptionsNameTheField()
    {
        var beta = Assert.Throws<ArgumentException>(() => PreferenceLosses.Create("sigmoid", new() { Beta = -1 }));
        Assert.Equal("Beta", beta.ParamName);
        Assert.Contains("PreferenceLossOptions.Beta = -1", beta.Message);
        Assert.Equal("LabelSmoothing", Assert.Throws<ArgumentException>(() => new PreferenceLossOptions { LabelSmoothing = 0.7 }.Validate()).ParamName);
        Assert.Equal("Gamma", Assert.Throws<ArgumentException>(() => new PreferenceLossOptions { Gamma = double.NaN }.Validate()).ParamName);
        Assert.Equal("Alpha", Assert.Throws<ArgumentException>(() => new PreferenceLossOptions { Alpha = -0.1 }.Validate()).ParamName);
        Assert.Equal("UndesirableWeight", Assert.Throws<ArgumentException>(() => new PreferenceLossOptions { UndesirableWeight = 0 }.Validate()).ParamName);

        var unread = Assert.Throws<ArgumentException>(() => PreferenceLosses.Create("sigmoid", new() { Gamma = 1 }));
        Assert.Equal("Gamma", unread.ParamName);
        Assert.Contains("reads: Beta, LabelSmoothing", unread.Message);
        Assert.Contains("reads: nothing", Assert.Throws<ArgumentException>(() => PreferenceLosses.Create("nll", new() { Beta = 0.1 })).Message);
        // In a list, an option only needs one member that reads it.
        Assert.IsType<CombinedPreferenceLoss>(PreferenceLosses.Parse("sigmoid:1,nll:0.2", new() { Beta = 0.2 }));
    }

    [Fact]
    public void ParseBuildsSingleLossesAndWeightedLists()
    {
        Assert.IsType<IpoLoss>(PreferenceLosses.Parse(" ipo "));
        var combined = Assert.IsType<CombinedPreferenceLoss>(PreferenceLosses.Parse("sigmoid:1, nll:0.5", new() { Beta = 0.3 }));
        Assert.Equal("sigmoid:1,nll:0.5", combined.Name);
        Assert.Equal(0.3, ((DpoLoss)combined.Members[0].Loss).Beta);
        Assert.Equal([1.0, 0.5], combined.Members.Select(m => m.Weight));
        var unweighted = Assert.IsType<CombinedPreferenceLoss>(PreferenceLosses.Parse("simpo,nll"));
        Assert.Equal([1.0, 1.0], unweighted.Members.Select(m => m.Weight));
        Assert.False(unweighted.NeedsReference);
        Close(Value(new DpoLoss(0.3), PairedBatch.Three) + 0.5 * 6.5 / 3, Value(combined, PairedBatch.Three));
    }

    [Fact]
    public void MalformedSpecsSayWhatIsWrong()
    {
        Assert.Contains("'abc' of 'sigmoid' is not a number", Assert.Throws<ArgumentException>(() => PreferenceLosses.Parse("sigmoid:abc")).Message);
        Assert.Contains("empty item", Assert.Throws<ArgumentException>(() => PreferenceLosses.Parse("sigmoid:1,,nll:1")).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => PreferenceLosses.Parse("sigmoid:1,sigmoid:2")).Message);
        Assert.Contains("different data", Assert.Throws<ArgumentException>(() => PreferenceLosses.Parse("sigmoid:1,kto:1")).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PreferenceLosses.Parse("sigmoid:1,nll:-1"));
    }
}
