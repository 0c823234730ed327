// `tools/bench sft`: SFT step time of a preset model (fp32 or bf16), its phase split, and the FLOP/s it implies against
// the fp32 and bf16 matmul peaks measured in the same process.
using System.Diagnostics;
using System.Globalization;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Sft;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Bench;

internal static class SftBench
{
    /// <summary>
    /// Trains <paramref name="steps"/> SFT steps (<see cref="SftStep.Run"/>, the trainer's own step) of
    /// <paramref name="batch"/> rows × <paramref name="seq"/> tokens (all trainable, no padding) on a random model of the
    /// recipe's architecture, after 3 warm-up steps, and prints "ms/step". Then the same step split into its phases —
    /// forward (+ loss), backward, optimizer (clipping + AdamW) — timed separately over the same number of steps.
    /// Training FLOPs per token ≈ 6·N_matmul + 12·L·T·d: 2 per multiply-add of every weight matrix (LM head included, the
    /// embedding lookup excluded) forward, twice that backward; plus QKᵀ and attention·V (2·2·T·d per layer forward,
    /// counted for the full sequence) times 3 for forward + backward.
    /// </summary>
    public static int Run(string recipePath, int batch, int seq, int steps, bool bf16)
    {
        var (recipe, config, created) = BenchModel.Create(recipePath);
        using DecoderModel model = created;
        using var optimizer = new AdamW(model.parameters(), 1e-4);
        List<TokenizedExample> rows = BenchModel.RandomRows(config, batch, seq);

        long matmulParams = model.named_parameters().Where(p => p.parameter.dim() == 2 && p.name != "model.embed_tokens.weight").Sum(p => p.parameter.numel())
                            + (config.TieWordEmbeddings ? (long)config.VocabSize * config.HiddenSize : 0);
        double flopsPerToken = 6.0 * matmulParams + 12.0 * config.NumHiddenLayers * seq * config.NumAttentionHeads * config.HeadDim;

        using var autocast = Autocast.Enable(bf16 ? ScalarType.BFloat16 : null);
        for (int i = 0; i < 3; i++) SftStep.Run(model, optimizer, [rows], 0, 1e-4, 1.0);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) SftStep.Run(model, optimizer, [rows], 0, 1e-4, 1.0);
        double seconds = clock.Elapsed.TotalSeconds;

        // The same step, phase by phase.
        double forward = 0, backward = 0, update = 0;
        using var batchScope = NewDisposeScope();  // owns the collated batch across the timed steps
        Batch collated = Batch.Collate(rows, 0);
        long targets = rows.Sum(r => (long)r.TrainableCount);
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            long t0 = Stopwatch.GetTimestamp();
            Tensor logits = model.Forward(collated.InputIds, collated.AttentionMask);              // [B, T, V]
            var (loss, _) = CausalLmLoss.Compute(logits, collated.Labels);                          // []
            _ = loss.ToDouble();
            long t1 = Stopwatch.GetTimestamp();
            loss.div(targets).backward();
            long t2 = Stopwatch.GetTimestamp();
            GradientClipping.ClipGradNorm(optimizer.Parameters, 1.0);
            optimizer.Step();
            optimizer.ZeroGrad();
            long t3 = Stopwatch.GetTimestamp();
            forward += Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
            backward += Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
            update += Stopwatch.GetElapsedTime(t2, t3).TotalMilliseconds;
        }

        double tokensPerSecond = (double)steps * batch * seq / seconds;
        double achieved = tokensPerSecond * flopsPerToken;
        double peak32 = MatmulPeak(1024, ScalarType.Float32), peak16 = MatmulPeak(1024, ScalarType.BFloat16);
        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(inv, $"sft bench: {recipe.Name} ({model.ParameterCount():N0} parameters, {matmulParams:N0} in matmuls), batch {batch} × seq {seq}, " +
                          $"{steps} steps, {(bf16 ? "bf16 mixed precision" : "fp32")}; libtorch threads {TorchRuntime.Threads}, OMP_WAIT_POLICY={TorchRuntime.WaitPolicy}"));
        Console.WriteLine(string.Create(inv, $"  {seconds / steps * 1000:F1} ms/step, {tokensPerSecond:F0} tokens/s"));
        Console.WriteLine(string.Create(inv, $"  phases: forward {forward / steps:F1} ms, backward {backward / steps:F1} ms, optimizer (clip + AdamW) {update / steps:F1} ms"));
        Console.WriteLine(string.Create(inv, $"  ≈ {flopsPerToken / 1e6:F1} MFLOP/token → {achieved / 1e9:F1} GFLOP/s = {achieved / peak32:P1} of the fp32 matmul peak " +
                          $"({peak32 / 1e9:F0} GFLOP/s), {achieved / peak16:P1} of the bf16 peak ({peak16 / 1e9:F0} GFLOP/s; 1024³, measured in this run)"));
        return 0;
    }

    /// <summary>Best of 5 timings of an n×n×n matmul in <paramref name="dtype"/>, in FLOP/s.</summary>
    private static double MatmulPeak(int n, ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        Tensor a = torch.randn([n, n]).to(dtype), b = torch.randn([n, n]).to(dtype);
        a.matmul(b).Dispose();
        double best = double.MaxValue;
        for (int rep = 0; rep < 5; rep++)
        {
            var clock = Stopwatch.StartNew();
            a.matmul(b).Dispose();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * n * n * n / best;
    }
}
