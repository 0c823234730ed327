// Reward shaping: DAPO's overlong punishment at its breakpoints, overlong masking, GRPO-λ and GHPO hints.
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Rl.TestTensors;

namespace Hybrid.Algorithms.Tests.Rl;

public class ShapingTests
{
    [Fact]
    public void OverlongPunishmentAtItsBreakpoints()
    {
        // L_max = 20480, L_cache = 4096: free up to 16384; halfway 18432 → −0.5; 20480 → −1; beyond → −1.
        var shaping = new OverlongPunishment(20480, 4096);
        Assert.Equal(0.0, shaping.Penalty(100));
        Assert.Equal(0.0, shaping.Penalty(16384));
        Assert.Equal(-1.0 / 4096, shaping.Penalty(16385), 15);
        Assert.Equal(-0.5, shaping.Penalty(18432), 15);
        Assert.Equal(-1.0, shaping.Penalty(20480), 15);
        Assert.Equal(-1.0, shaping.Penalty(20481));
        Assert.Equal(-1.0, shaping.Penalty(50000));
        double[] scores = [1, 1, 0];
        shaping.AddTo(scores, [10, 18432, 30000]);
        Assert.Equal([1, 0.5, -1], scores);
        Assert.Throws<ArgumentOutOfRangeException>(() => new OverlongPunishment(100, 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => new OverlongPunishment(100, 0));
    }

    [Fact]
    public void OverlongMaskingZeroesTruncatedRows()
    {
        AssertNoLeak(() =>
        {
            Tensor mask = Matrix(new double[,] { { 1, 1, 0 }, { 1, 1, 1 }, { 1, 0, 0 } });
            Tensor masked = OverlongMasking.Apply(mask, [false, true, false]);
            AssertClose(new double[,] { { 1, 1, 0 }, { 0, 0, 0 }, { 1, 0, 0 } }, Read2(masked), 0);
            Assert.Equal(ScalarType.Float32, masked.dtype);
            Assert.Throws<ArgumentException>(() => OverlongMasking.Apply(mask, [true]));
        });
    }

    [Fact]
    public void GrpoLambdaPenalisesOnlyTheTopGroups()
    {
        // G = 3, P = 4, λ = 0.5 → ⌈0.5·4⌉ = 2 groups. Mean accuracies: g0 1/3, g1 1, g2 2/3, g3 0 → top: g1, g2.
        double[] accuracy = [1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0];
        int[] lengths = [10, 20, 30, 100, 200, 300, 50, 50, 90, 5, 6, 7];
        var (scores, penalised) = new GrpoLambdaShaping(0.5).Shape(accuracy, lengths, 3);
        Assert.Equal([false, true, true, false], penalised);
        // g1: lengths 100/200/300 → λ_i = 0.5 − (len − 100)/200 = 0.5, 0, −0.5; all correct → 1.5, 1, 0.5.
        // g2: lengths 50/50/90 → λ = 0.5, 0.5, −0.5; correct, correct, wrong → 1.5, 1.5, 0 + min(0, −0.5) = −0.5.
        // g0 and g3 keep plain accuracy.
        Assert.Equal([1, 0, 0, 1.5, 1, 0.5, 1.5, 1.5, -0.5, 0, 0, 0], scores);
        // Equal lengths give no length reward; ties in mean accuracy go to the lower group index.
        var (tied, tiedPenalised) = new GrpoLambdaShaping(0.25).Shape([1, 0, 0, 1], [5, 5, 5, 5], 2);
        Assert.Equal([true, false], tiedPenalised);
        Assert.Equal([1, 0, 0, 1], tied);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GrpoLambdaShaping(0));
    }

    [Fact]
    public void GhpoHintsGrowWhileFailingAndResetOnSuccess()
    {
        var hints = new GhpoHints(hintPrefix: " | ");
        const string solution = "a b c d e f g h";  // 8 words: ⌈0.25·8⌉ = 2, ⌈0.5·8⌉ = 4, ⌈0.75·8⌉ = 6
        Assert.Equal("Q", hints.Prompt("q1", "Q", solution));
        Assert.True(GhpoHints.AllFailed([0, 0, 0]));
        Assert.False(GhpoHints.AllFailed([0, 1, 0]));
        hints.Report("q1", groupAllFailed: true);
        Assert.Equal(0.25, hints.CurrentFraction("q1"));
        Assert.Equal("Q | a b", hints.Prompt("q1", "Q", solution));
        hints.Report("q1", true);
        Assert.Equal("Q | a b c d", hints.Prompt("q1", "Q", solution));
        hints.Report("q1", true);
        Assert.Equal("Q | a b c d e f", hints.Prompt("q1", "Q", solution));
        hints.Report("q1", true); // stays at the last stage
        Assert.Equal(0.75, hints.CurrentFraction("q1"));
        Assert.Equal(0.0, hints.CurrentFraction("q2")); // other prompts are untouched
        hints.Report("q1", groupAllFailed: false);
        Assert.Equal("Q", hints.Prompt("q1", "Q", solution));
        // Spacing and line breaks inside the prefix are kept; 6 words → ⌈0.6·6⌉ = 4, ⌈0.5·6⌉ = 3.
        Assert.Equal("x =  1\ny", GhpoHints.Prefix("x =  1\ny = 2", 0.6));
        Assert.Equal("x =  1", GhpoHints.Prefix("x =  1\ny = 2", 0.5));
        Assert.Throws<ArgumentException>(() => new GhpoHints([0.5, 0.25]));
    }
}
