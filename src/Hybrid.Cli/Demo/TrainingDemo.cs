// The demo's libtorch half: a tiny next-token model learns a fixed successor rule in a few AdamW steps.
using System.Diagnostics;
using Hybrid.Torch;
using Hybrid.Torch.NN;
using Hybrid.Torch.Optim;
using F = Hybrid.Torch.NN.Functional;

namespace Hybrid.Cli.Demo;

/// <summary>
/// Trains embedding → RMSNorm → SiLU MLP → LM head to predict next(t) = (3t + 1) mod V for every token t, with AdamW,
/// warm-up + cosine learning rate and gradient clipping: the training loop of every Hybrid trainer in miniature.
/// </summary>
public static class TrainingDemo
{
    private const int Vocab = 32, Dim = 32;

    private sealed class TinyLm : Module
    {
        private readonly Embedding _embed;
        private readonly RMSNorm _norm;
        private readonly Linear _up, _head;

        public TinyLm()
        {
            _embed = RegisterModule("embed_tokens", new Embedding(Vocab, Dim));
            _norm = RegisterModule("norm", new RMSNorm(Dim));
            _up = RegisterModule("up_proj", new Linear(Dim, 4 * Dim));
            _head = RegisterModule("lm_head", new Linear(4 * Dim, Vocab, bias: false));
        }

        /// <summary>ids [N] → logits [N, V].</summary>
        public Tensor Forward(Tensor ids) => _head.Forward(_up.Forward(_norm.Forward(_embed.Forward(ids))).Silu());
    }

    /// <summary>Runs the demo; returns 0 when the model learned the rule (final loss below a tenth of the first and accuracy 100%).</summary>
    public static int Run(int steps, TextWriter log)
    {
        LibTorch.ManualSeed(0);
        using var model = new TinyLm();
        using var optimizer = new AdamW(model.Parameters(), lr: 5e-3, weightDecay: 0.0);
        var schedule = new WarmupCosineSchedule(5e-3, warmupSteps: Math.Max(1, steps / 10), totalSteps: steps);
        using var ids = LibTorch.Arange(Vocab);                                              // [V]
        using var next = LibTorch.Tensor(Enumerable.Range(0, Vocab).Select(t => (long)((3 * t + 1) % Vocab)).ToArray());  // [V]

        log.WriteLine($"[train] libtorch: tiny LM ({model.ParameterCount():N0} parameters) learns next(t) = (3t+1) mod {Vocab}; " +
                      $"ATen threads {TorchRuntime.AtenThreads}, OpenBLAS threads {TorchRuntime.BlasThreads}");
        var clock = Stopwatch.StartNew();
        double first = double.NaN, last = double.NaN;
        for (int step = 0; step < steps; step++)
        {
            using var scope = LibTorch.NewScope();
            optimizer.LearningRate = schedule.LearningRateAt(step);
            Tensor loss = F.CrossEntropy(model.Forward(ids), next);                       // []
            loss.Backward();
            double gradNorm = GradientClipping.ClipGradNorm(optimizer.Parameters, 1.0);
            optimizer.Step();
            optimizer.ZeroGrad();
            last = loss.Item();
            if (step == 0) first = last;
            if (step % 5 == 0 || step == steps - 1)
                log.WriteLine($"[train] step {step,3}  loss {last:F4}  grad_norm {gradNorm:F3}  learning_rate {optimizer.LearningRate:E2}");
        }
        double accuracy;
        using (LibTorch.NewScope())
        using (LibTorch.NoGrad())
            accuracy = model.Forward(ids).ArgMax(-1).Eq(next).To(DType.Float32).Mean().Item();
        log.WriteLine($"[train] {steps} steps in {clock.Elapsed.TotalMilliseconds:F0} ms: loss {first:F3} → {last:F3}, " +
                      $"token accuracy {accuracy:P0}, live tensors {LibTorch.LiveTensors}");
        bool learned = last < first / 10 && accuracy == 1.0;
        if (!learned) log.WriteLine("[train] FAILED: the model did not learn the rule");
        return learned ? 0 : 1;
    }
}
