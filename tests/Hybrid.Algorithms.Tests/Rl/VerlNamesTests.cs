// Names users paste from verl configs: the loss-aggregation modes in verl's spelling build the same aggregation.
using Hybrid.Algorithms.Rl;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Algorithms.Tests.Rl;

public sealed class VerlNamesTests
{
    [Theory]
    [InlineData("token-mean", "token_mean")]
    [InlineData("seq-mean-token-mean", "seq_mean_token_mean")]
    [InlineData("seq-mean-token-sum", "seq_mean_token_sum")]
    [InlineData("seq-mean-token-sum-norm", "seq_mean_token_sum_norm")]
    public void VerlsAggregationNamesBuildOursAndGiveTheSameValue(string verl, string ours)
    {
        Assert.Equal(ours, LossAggregations.Registry.Canonical(verl));
        Assert.DoesNotContain(verl, LossAggregations.Registry.Names);   // listed once, under our name
        using var scope = NewDisposeScope();
        Tensor loss = torch.tensor(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3], ScalarType.Float64);   // [N, A]
        Tensor mask = torch.tensor(new double[] { 1, 1, 0, 1, 1, 1 }, [2, 3], ScalarType.Float64);   // [N, A]
        Assert.Equal(LossAggregations.Create(ours).Aggregate(loss, mask).ToDouble(), LossAggregations.Create(verl).Aggregate(loss, mask).ToDouble());
        var preset = RlPresets.Create("grpo", groupSize: 2) with { Aggregation = verl };
        Assert.Equal(LossAggregations.Create(ours).GetType(), LossAggregations.Create(preset.Validate().Aggregation).GetType());
    }
}
