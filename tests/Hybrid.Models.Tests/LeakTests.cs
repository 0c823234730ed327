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

    /// <summary>
    /// A forward frees each layer's temporaries as the layer ends, so what is alive while the caller's scope lasts does
    /// not grow with depth: a 6-layer model leaves exactly as many live tensors as a 2-layer one, with or without
    /// gradients (under autograd the graph keeps what backward needs natively; the handles still go). Before, every
    /// layer's norms, projections and MLP tensors lived until the caller's scope ended: an RL batch's no-grad log-prob
    /// pass over a 6M-parameter model peaked at gigabytes.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AForwardKeepsNoLayerTemporariesAlive(bool gradients)
    {
        long LiveAfterForward(int layers)
        {
            using var model = new DecoderModel(TinyDecoders.Make("qwen2", heads: 4, kvHeads: 2, tied: true, layers: layers));
            using var grad = gradients ? null : no_grad();
            using var scope = NewDisposeScope();
            var (ids, mask) = PaddingTests.Pad([[1, 2, 3, 4], [5, 6]], left: true);
            long before = TensorUtil.LiveTensors;
            Tensor logits = model.Forward(ids, mask);                                   // [2, 4, V]
            long live = TensorUtil.LiveTensors - before;
            if (gradients) logits.sum().backward();                                     // the freed handles did not break backward
            return live;
        }
        long two = LiveAfterForward(2), six = LiveAfterForward(6);
        Assert.Equal(two, six);
    }
}
