// Reproduces TorchSharp's implicit-Scalar finalizer race and shows ScalarScope closing it (see Hybrid.Tensors.ScalarScope).
using System.Diagnostics;
using System.Runtime.InteropServices;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Bench;

/// <summary>
/// The same three ops on a 2000×2000 tensor (<c>ne(0)</c>, <c>mul(3.0)</c>, <c>clamp(0.0, 2.5)</c>) for a few seconds,
/// first with TorchSharp's implicit Scalars, then with a <see cref="ScalarScope"/>, while another thread allocates and
/// now and then collects. Run with <c>DOTNET_TieredCompilation=0</c> so the loops are optimized from the start (that
/// is when the JIT ends a Scalar's life before the native op that reads it); prints the failures of each.
/// </summary>
internal static class ScalarRaceBench
{
    public static int Run(double seconds)
    {
        Console.WriteLine($"DOTNET_TieredCompilation={Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") ?? "(unset: set it to 0)"}");
        using var big = ones(2000, 2000);
        (int n, int bad) implicitScalars = Loop(seconds, () =>
        {
            using var scope = NewDisposeScope();
            return big.ne(0).logical_and(big.ne(0)).all().item<bool>() && big.mul(3.0).clamp(0.0, 2.5)[0, 0].item<float>() == 2.5f;
        });
        (int n, int bad) owned = Loop(seconds, () =>
        {
            using var scope = NewDisposeScope();
            using var sc = new ScalarScope();
            return big.ne(sc[0]).logical_and(big.ne(sc[0])).all().item<bool>() && big.mul(sc[3.0]).clamp(sc[0.0], sc[2.5])[0, 0].item<float>() == 2.5f;
        });
        Console.WriteLine($"implicit Scalars: {implicitScalars.bad} of {implicitScalars.n} iterations failed");
        Console.WriteLine($"ScalarScope:      {owned.bad} of {owned.n} iterations failed");
        return owned.bad == 0 ? 0 : 1;
    }

    private static (int Iterations, int Failed) Loop(double seconds, Func<bool> body)
    {
        using var stop = new CancellationTokenSource();
        var allocator = new Thread(() =>
        {
            var rng = new Random(1);
            while (!stop.IsCancellationRequested)
            {
                GC.KeepAlive(new byte[100_000]);
                if (rng.Next(50) == 0) GC.Collect();
            }
        });
        allocator.Start();
        int n = 0, failed = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            n++;
            try { if (!body()) failed++; }
            catch (ExternalException) { failed++; }
        }
        stop.Cancel();
        allocator.Join();
        return (n, failed);
    }
}
