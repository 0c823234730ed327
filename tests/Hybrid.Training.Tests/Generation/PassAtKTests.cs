// pass@k against values worked by hand from its definition, 1 − C(n − c, k) / C(n, k).
using Hybrid.Training.Generation;

namespace Hybrid.Training.Tests.Generation;

public sealed class PassAtKTests
{
    [Theory]
    [InlineData(5, 2, 1, 0.4)]            // c/n
    [InlineData(5, 2, 2, 0.7)]            // 1 − C(3,2)/C(5,2) = 1 − 3/10
    [InlineData(5, 2, 3, 0.9)]            // 1 − C(3,3)/C(5,3) = 1 − 1/10
    [InlineData(5, 2, 4, 1.0)]            // n − c < k: some draw of 4 always holds a pass
    [InlineData(8, 0, 8, 0.0)]
    [InlineData(10, 3, 4, 1 - 35.0 / 210)] // 1 − C(7,4)/C(10,4)
    public void PassAtKIsOneMinusTheChanceThatKDrawsAllFail(int n, int c, int k, double expected) =>
        Assert.Equal(expected, HeldOutEvaluation.PassAtK(n, c, k), 12);

    [Fact]
    public void KOutsideOneToNIsRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => HeldOutEvaluation.PassAtK(4, 1, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => HeldOutEvaluation.PassAtK(4, 1, 0));
    }
}
