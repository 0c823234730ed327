// Benchmark: GenAI greedy decode speed of the reference vs the optimized (contrib-op) export of the same model.
using Hybrid.Export.Decoder;
using System.Diagnostics;
using System.Globalization;
using Hybrid.Models.Creation;
using Hybrid.Onnx;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Bench;

/// <summary>Decode throughput of one export at one batch size.</summary>
/// <param name="Kernel">Which export.</param>
/// <param name="BatchSize">Prompts decoded together.</param>
/// <param name="TokensPerSecond">Generated tokens (all rows) per second of decode, prefill excluded.</param>
public sealed record ExportBenchResult(AttentionKernel Kernel, int BatchSize, double TokensPerSecond);

/// <summary>
/// Creates a random model from a recipe (e.g. models/small.json), exports it with both kernels and times GenAI greedy
/// decoding at batch 1 and batch 16 (prompts of 16 tokens, <paramref name="newTokens"/> new tokens each, no early stop),
/// printing tokens/s and the optimized/reference ratio. Each measurement is the best of <c>repeats</c> runs.
/// </summary>
public static class ExportBench
{
    public static IReadOnlyList<ExportBenchResult> Run(string recipePath, string workDir, TextWriter output, int newTokens = 64, int repeats = 3)
    {
        OnnxNative.EnsureLoaded();
        ModelRecipe recipe = ModelRecipe.Load(recipePath);
        string checkpoint = Path.Combine(workDir, "checkpoint");
        CreatedModel created = ModelFactory.Create(recipe, checkpoint, seed: 1);
        output.WriteLine($"model '{recipe.Name}': {created.ParameterCount:N0} parameters, {created.Config.NumHiddenLayers} layers, D={created.Config.HiddenSize}");

        var results = new List<ExportBenchResult>();
        foreach (AttentionKernel kernel in new[] { AttentionKernel.Reference, AttentionKernel.Optimized })
        {
            string folder = Path.Combine(workDir, kernel.ToString().ToLowerInvariant());
            DecoderExporter.ExportCheckpoint(checkpoint, folder, new DecoderExportOptions { Kernel = kernel });
            using var model = new Model(folder);
            foreach (int batch in new[] { 1, 16 })
            {
                double best = 0;
                for (int r = 0; r < repeats; r++) best = Math.Max(best, DecodeTokensPerSecond(model, batch, created.TokenizerVocabSize, newTokens));
                results.Add(new ExportBenchResult(kernel, batch, best));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{kernel,-10} batch {batch,2}: {best,10:F1} tokens/s"));
            }
        }
        foreach (int batch in new[] { 1, 16 })
        {
            double reference = results.Single(r => r.Kernel == AttentionKernel.Reference && r.BatchSize == batch).TokensPerSecond;
            double optimized = results.Single(r => r.Kernel == AttentionKernel.Optimized && r.BatchSize == batch).TokensPerSecond;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"batch {batch,2}: optimized / reference = {optimized / reference:F2}x"));
        }
        return results;
    }

    /// <summary>Greedy decode of <paramref name="batch"/> fixed 16-token prompts; EOS is never reached (min_length).</summary>
    internal static double DecodeTokensPerSecond(Model model, int batch, int vocab, int newTokens)
    {
        const int promptLength = 16;
        var prompts = Enumerable.Range(0, batch).Select(b => Enumerable.Range(0, promptLength).Select(t => (b * 31 + t * 7) % vocab).ToArray()).ToList();
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("batch_size", batch);
        parameters.SetSearchOption("do_sample", false);
        parameters.SetSearchOption("max_length", promptLength + newTokens);
        parameters.SetSearchOption("min_length", promptLength + newTokens);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(prompts.SelectMany(p => p).ToArray());  // [B·T]: the prompts are of equal length
        generator.GenerateNextToken();  // the first token comes from the prefill run, which is not timed
        var clock = Stopwatch.StartNew();
        int steps = 0;
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
            steps++;
        }
        return steps * (double)batch / clock.Elapsed.TotalSeconds;
    }
}
