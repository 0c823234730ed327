// `tools/bench sft`: SFT training throughput (tokens/s) of a preset model, and the FLOP/s it implies against the machine's
// matmul peak measured in the same process.
using System.Diagnostics;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Sft;

namespace Hybrid.Bench;

internal static class SftBench
{
    /// <summary>
    /// Trains <paramref name="steps"/> SFT steps of <paramref name="batch"/> rows × <paramref name="seq"/> tokens (all
    /// trainable, no padding) on a random model of the recipe's architecture, after 3 warm-up steps.
    /// Training FLOPs per token ≈ 6·N_matmul + 12·L·T·d: 2 per multiply-add of every weight matrix (LM head included, the
    /// embedding lookup excluded) forward, twice that backward; plus QKᵀ and attention·V (2·2·T·d per layer forward, T the
    /// full sequence — the causal half is not skipped by our kernels) times 3 for forward + backward.
    /// </summary>
    public static int Run(string recipePath, int batch, int seq, int steps)
    {
        ModelRecipe recipe = ModelRecipe.Load(recipePath);
        DecoderConfig config = recipe.ConfigFor(recipe.Tokenizer.VocabSize);
        TensorUtil.ManualSeed(0);
        using var model = new DecoderModel(config);
        using var optimizer = new AdamW(model.parameters(), 1e-4);
        var random = new Random(0);
        TokenizedExample Row(int i) => new(Enumerable.Range(0, seq).Select(_ => random.Next(config.VocabSize)).ToArray(), Enumerable.Repeat(true, seq).ToArray(), $"row {i}");
        var rows = Enumerable.Range(0, batch).Select(Row).ToList();

        long matmulParams = model.named_parameters().Where(p => p.parameter.dim() == 2 && p.name != "model.embed_tokens.weight").Sum(p => p.parameter.numel())
                            + (config.TieWordEmbeddings ? (long)config.VocabSize * config.HiddenSize : 0);
        double flopsPerToken = 6.0 * matmulParams + 12.0 * config.NumHiddenLayers * seq * config.NumAttentionHeads * config.HeadDim;

        for (int i = 0; i < 3; i++) SftStep.Run(model, optimizer, [rows], 0, 1e-4, 1.0);
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++) SftStep.Run(model, optimizer, [rows], 0, 1e-4, 1.0);
        double seconds = clock.Elapsed.TotalSeconds;
        double tokensPerSecond = (double)steps * batch * seq / seconds;
        double achieved = tokensPerSecond * flopsPerToken;
        double peak = MatmulPeak(1024);

        Console.WriteLine($"sft bench: {recipe.Name} ({model.ParameterCount():N0} parameters, {matmulParams:N0} in matmuls), batch {batch} × seq {seq}, " +
                          $"{steps} steps; libtorch threads {TorchRuntime.Threads}");
        Console.WriteLine($"  {seconds / steps * 1000:F1} ms/step, {tokensPerSecond:F0} tokens/s");
        Console.WriteLine($"  ≈ {flopsPerToken / 1e6:F1} MFLOP/token → {achieved / 1e9:F1} GFLOP/s = {achieved / peak:P1} of the fp32 matmul peak " +
                          $"({peak / 1e9:F0} GFLOP/s for 1024³, measured in this run)");
        return 0;
    }

    /// <summary>Best of 5 timings of an n×n×n float32 matmul through the binding, in FLOP/s.</summary>
    private static double MatmulPeak(int n)
    {
        using var scope = NewDisposeScope();
        Tensor a = torch.randn([n, n]), b = torch.randn([n, n]);
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
