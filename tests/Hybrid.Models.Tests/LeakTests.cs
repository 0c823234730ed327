// Forward, backward and cached decoding free every tensor they make: the live-tensor count returns to its baseline.
using Hybrid.Models.Decoder;
using Hybrid.Models.Heads;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class LeakTests
{
    [Fact]
    public void ForwardBackwardAndCacheDecodingLeaveNoLiveTensors()
    {
        long baseline = TensorUtil.LiveTensors;
        var config = TinyDecoders.Configs["llama-bias-headdim12"];
        using (var model = new DecoderModel(config))
        using (var scorer = new SequenceScoreModel(config))
        {
            long withModels = TensorUtil.LiveTensors;
            for (int step = 0; step < 2; step++)
            {
                using var scope = NewDisposeScope();
                var (ids, mask) = PaddingTests.Pad([[1, 2, 3, 4], [5, 6]], left: true);
                Tensor logProbs = model.TokenLogProbs(ids, ids, mask);
                (logProbs.sum() + model.Forward(ids, mask).mean() + scorer.Forward(ids, mask).sum()).backward();
                using var cache = model.NewCache();
                using (no_grad())
                {
                    model.Forward(ids, mask, cache: cache);
                    for (int t = 0; t < 3; t++) model.Forward(torch.ones([2, 1], ScalarType.Int64), cache: cache);
                }
                model.zero_grad();
                scorer.zero_grad();
            }
            Assert.Equal(withModels, TensorUtil.LiveTensors);
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }
}
