// Forward, backward and cached decoding free every tensor they make: the live-tensor count returns to its baseline.
using Hybrid.Models.Decoder;
using Hybrid.Models.Heads;
using Hybrid.Torch;

namespace Hybrid.Models.Tests;

public sealed class LeakTests
{
    [Fact]
    public void ForwardBackwardAndCacheDecodingLeaveNoLiveTensors()
    {
        long baseline = LibTorch.LiveTensors;
        var config = TinyDecoders.Configs["llama-bias-headdim12"];
        using (var model = new DecoderModel(config))
        using (var scorer = new SequenceScoreModel(config))
        {
            long withModels = LibTorch.LiveTensors;
            for (int step = 0; step < 2; step++)
            {
                using var scope = LibTorch.NewScope();
                var (ids, mask) = PaddingTests.Pad([[1, 2, 3, 4], [5, 6]], left: true);
                Tensor logProbs = model.TokenLogProbs(ids, ids, mask);
                (logProbs.Sum() + model.Forward(ids, mask).Mean() + scorer.Forward(ids, mask).Sum()).Backward();
                using var cache = model.NewCache();
                using (LibTorch.NoGrad())
                {
                    model.Forward(ids, mask, cache: cache);
                    for (int t = 0; t < 3; t++) model.Forward(LibTorch.Ones([2, 1], DType.Int64), cache: cache);
                }
                model.ZeroGrad();
                scorer.ZeroGrad();
            }
            Assert.Equal(withModels, LibTorch.LiveTensors);
        }
        Assert.Equal(baseline, LibTorch.LiveTensors);
    }
}
