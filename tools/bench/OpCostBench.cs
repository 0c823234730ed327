// `tools/bench ops`: the fixed cost of one small tensor op through TorchSharp (wrapper, dispose scope, libtorch dispatch).
using System.Diagnostics;
using System.Globalization;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Bench;

internal static class OpCostBench
{
    /// <summary>
    /// Times <c>a + b</c> on 16-element tensors, 1,000 ops per dispose scope, best of 5 rounds of 100,000 ops; with
    /// gradient recording off and on. A training step of the `tiny` preset issues a few thousand such ops, so this fixed
    /// cost, not arithmetic, sets its time.
    /// </summary>
    public static int Run()
    {
        using Tensor a = torch.randn(16), b = torch.randn(16);
        using Tensor ag = torch.randn(16).requires_grad_(), bg = torch.randn(16).requires_grad_();
        var inv = CultureInfo.InvariantCulture;
        foreach (bool grad in new[] { false, true })
        {
            double best = double.MaxValue;
            for (int round = 0; round < 6; round++)
            {
                var clock = Stopwatch.StartNew();
                for (int outer = 0; outer < 100; outer++)
                {
                    using var scope = NewDisposeScope();
                    for (int i = 0; i < 1000; i++) _ = grad ? ag + bg : a + b;
                }
                if (round > 0) best = Math.Min(best, clock.Elapsed.TotalMilliseconds * 1000 / 100_000);
            }
            Console.WriteLine(string.Create(inv, $"op cost: a + b on 16 elements, {(grad ? "recording gradients" : "no gradients")}: {best:F2} µs per op (best of 5 × 100,000)"));
        }
        return 0;
    }
}
