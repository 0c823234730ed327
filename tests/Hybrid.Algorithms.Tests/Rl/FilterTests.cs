// Batch filters: dynamic sampling never keeps a zero-variance group, Reinforce-Rej's correctness rule, the variance threshold.
using Hybrid.Algorithms.Rl;

namespace Hybrid.Algorithms.Tests.Rl;

public class FilterTests
{
    [Fact]
    public void DynamicSamplingNeverKeepsAZeroVarianceGroup()
    {
        var rng = new Random(17);
        var filter = new DynamicSamplingFilter();
        int kept = 0, equal = 0;
        for (int trial = 0; trial < 2000; trial++)
        {
            int g = rng.Next(1, 9);
            var scores = new double[g];
            for (int i = 0; i < g; i++) scores[i] = rng.Next(0, 2); // 0/1 accuracies: all-equal groups are common
            double mean = scores.Average(), variance = scores.Sum(s => (s - mean) * (s - mean));
            bool keep = filter.Keep(scores);
            Assert.Equal(variance > 0, keep);
            if (keep) kept++; else equal++;
        }
        Assert.True(kept > 100 && equal > 100, $"kept {kept}, dropped {equal}");
        Assert.False(filter.Keep([0.25, 0.25, 0.25]));
        Assert.True(filter.Keep([0.25, 0.25, 0.2500001]));
    }

    [Fact]
    public void ReinforceRejDropsAllWrongAndAllCorrect()
    {
        var filter = new ReinforceRejFilter();
        Assert.False(filter.Keep([0, 0, 0, 0]));
        Assert.False(filter.Keep([1, 1, 1, 1]));
        Assert.True(filter.Keep([1, 0, 0, 0]));
        // ±1 rewards: −1 is wrong, 1 is right.
        Assert.False(filter.Keep([-1, -1]));
        Assert.True(filter.Keep([-1, 1]));
        // Scores that differ but are all above the pass mark count as all-correct (dynamic sampling would keep them).
        Assert.False(filter.Keep([0.6, 0.9]));
        Assert.True(new DynamicSamplingFilter().Keep([0.6, 0.9]));
        Assert.True(new ReinforceRejFilter(0.8).Keep([0.6, 0.9]));
    }

    [Fact]
    public void RewardVarianceUsesThePopulationVariance()
    {
        var filter = new RewardVarianceFilter();
        // (0, 0.2): mean 0.1, population variance (0.01 + 0.01)/2 = 0.01 → kept (≥ 0.01).
        Assert.True(filter.Keep([0, 0.2]));
        // (0, 0.19): variance 0.009025 → dropped.
        Assert.False(filter.Keep([0, 0.19]));
        Assert.False(filter.Keep([1, 1, 1]));
    }

    [Fact]
    public void KeptGroupsApplyEveryFilter()
    {
        // G = 2, four prompts: (1,1) equal, (0,1) mixed, (0.6,0.9) all correct, (0,0) equal.
        double[] scores = [1, 1, 0, 1, 0.6, 0.9, 0, 0];
        Assert.Equal([1, 2], GroupFilters.KeptGroups([GroupFilters.Create("dynamic_sampling")], scores, 2));
        Assert.Equal([1], GroupFilters.KeptGroups([GroupFilters.Create("dynamic_sampling"), GroupFilters.Create("reinforce_rej")], scores, 2));
        Assert.Equal([1], GroupFilters.KeptGroups([GroupFilters.Create("reinforce_rej")], scores, 2));
        Assert.Equal([0, 1, 2, 3], GroupFilters.KeptGroups([], scores, 2));
        Assert.Throws<ArgumentException>(() => GroupFilters.KeptGroups([], scores, 3));
        Assert.Contains("known: dynamic_sampling, reinforce_rej, reward_variance", Assert.Throws<ArgumentException>(() => GroupFilters.Create("top_k")).Message);
    }
}
