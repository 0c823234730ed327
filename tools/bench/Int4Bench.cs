// Benchmark: what int4 (MatMulNBits) export costs in quality and buys in size and speed, against the float32 export.
using Hybrid.Export.Decoder;
using System.Globalization;
using Hybrid.Onnx;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Bench;

/// <summary>One export of <see cref="Int4Bench"/>, measured against the float32 export of the same checkpoint.</summary>
/// <param name="Name">"fp32" or the int4 variant.</param>
/// <param name="Bytes">model.onnx + model.onnx.data.</param>
/// <param name="MaxLogitError">max |Δlogit| over every position and vocabulary entry of the teacher-forced sequences.</param>
/// <param name="MeanLogitError">mean |Δlogit| over the same.</param>
/// <param name="Top1Agreement">Fraction of continuation positions whose teacher-forced argmax equals fp32's.</param>
/// <param name="GreedyAgreement">Fraction of generated positions where the variant's own greedy token equals fp32's.</param>
/// <param name="GreedyPrefix">Mean length of the common prefix of the two greedy continuations, as a fraction of their length.</param>
/// <param name="TokensPerSecondBatch1">GenAI greedy decode speed at batch 1 (best of the repeats).</param>
/// <param name="TokensPerSecondBatch16">The same at batch 16.</param>
public sealed record Int4BenchResult(string Name, long Bytes, double MaxLogitError, double MeanLogitError, double Top1Agreement,
    double GreedyAgreement, double GreedyPrefix, double TokensPerSecondBatch1, double TokensPerSecondBatch16);

/// <summary>
/// Exports one checkpoint as float32 and as int4 (<see cref="Int4Options"/> defaults: asymmetric, block 32, float32
/// activations; and the same with <c>accuracy_level</c> 4, int8 activations) with the optimized kernel, then through GenAI:
/// <list type="number">
/// <item>greedy-decodes <c>newTokens</c> tokens after each prompt with every export (all prompts in one batch);</item>
/// <item>runs prompt + fp32's continuation teacher-forced through every export and compares all logits with fp32's
/// (max and mean |Δ|, and how often the argmax at a continuation position agrees);</item>
/// <item>times greedy decoding at batch 1 and 16 (<see cref="ExportBench"/>'s loop), alternating the exports each repeat.</item>
/// </list>
/// Quality figures mean something only for a trained checkpoint: a random one has near-uniform logits.
/// </summary>
public static class Int4Bench
{
    public static IReadOnlyList<Int4BenchResult> Run(string checkpointDir, IReadOnlyList<int[]> prompts, string workDir, TextWriter output,
        int newTokens = 32, int repeats = 3)
    {
        if (prompts.Count == 0 || prompts.Any(p => p.Length != prompts[0].Length || p.Length == 0))
            throw new ArgumentException("Int4Bench needs at least one prompt, all of the same non-zero length (one unpadded batch)", nameof(prompts));
        var variants = new (string Name, Int4Options? Int4)[]
        {
            ("fp32", null),
            ("int4", new Int4Options { AccuracyLevel = 0 }),
            ("int4 acc4", new Int4Options { AccuracyLevel = 4 }),
        };
        var folders = new List<string>();
        foreach ((string name, Int4Options? int4) in variants)
        {
            string folder = Path.Combine(workDir, name.Replace(' ', '-'));
            DecoderExporter.ExportCheckpoint(checkpointDir, folder, new DecoderExportOptions { Kernel = AttentionKernel.Optimized, Int4 = int4 });
            folders.Add(folder);
        }

        OnnxNative.EnsureLoaded();
        var models = folders.Select(f => new Model(f)).ToList();
        try
        {
            int[][] reference = Greedy(models[0], prompts, newTokens);                                    // [P][newTokens]
            int[][] teacher = prompts.Select((p, i) => p.Concat(reference[i].SkipLast(1)).ToArray()).ToArray();  // the sequences fp32 produced
            float[] referenceLogits = Logits(models[0], teacher, out int vocab);                          // [P, T, V]

            var speeds = new double[variants.Length, 2];
            for (int r = 0; r < repeats; r++)
                for (int v = 0; v < variants.Length; v++)
                {
                    int at = (v + r) % variants.Length;  // rotate who goes first
                    speeds[at, 0] = Math.Max(speeds[at, 0], ExportBench.DecodeTokensPerSecond(models[at], 1, vocab, newTokens * 2));
                    speeds[at, 1] = Math.Max(speeds[at, 1], ExportBench.DecodeTokensPerSecond(models[at], 16, vocab, newTokens * 2));
                }

            var results = new List<Int4BenchResult>();
            for (int v = 0; v < variants.Length; v++)
            {
                float[] logits = v == 0 ? referenceLogits : Logits(models[v], teacher, out _);
                int[][] greedy = v == 0 ? reference : Greedy(models[v], prompts, newTokens);
                (double max, double mean, double top1) = Compare(referenceLogits, logits, prompts.Count, teacher[0].Length, vocab, prompts[0].Length - 1);
                int same = 0, prefix = 0;
                for (int p = 0; p < prompts.Count; p++)
                {
                    same += greedy[p].Zip(reference[p]).Count(t => t.First == t.Second);
                    prefix += greedy[p].Zip(reference[p]).TakeWhile(t => t.First == t.Second).Count();
                }
                double positions = (double)prompts.Count * newTokens;
                results.Add(new Int4BenchResult(variants[v].Name, FolderBytes(folders[v]), max, mean, top1, same / positions, prefix / positions, speeds[v, 0], speeds[v, 1]));
            }
            Print(results, prompts.Count, prompts[0].Length, newTokens, output);
            return results;
        }
        finally
        {
            foreach (Model model in models) model.Dispose();
        }
    }

    /// <summary>Greedy continuations of exactly <paramref name="newTokens"/> tokens (EOS suppressed by min_length), [P][newTokens].</summary>
    private static int[][] Greedy(Model model, IReadOnlyList<int[]> prompts, int newTokens)
    {
        int length = prompts[0].Length;
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("batch_size", prompts.Count);
        parameters.SetSearchOption("do_sample", false);
        parameters.SetSearchOption("max_length", length + newTokens);
        parameters.SetSearchOption("min_length", length + newTokens);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(prompts.SelectMany(p => p).ToArray());  // [B·T]: the prompts are of equal length
        while (!generator.IsDone()) generator.GenerateNextToken();
        return Enumerable.Range(0, prompts.Count).Select(p => generator.GetSequence((ulong)p).ToArray()[length..]).ToArray();
    }

    /// <summary>The model's logits [P, T, V] for equal-length sequences, from one prefill.</summary>
    private static float[] Logits(Model model, IReadOnlyList<int[]> sequences, out int vocab)
    {
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("batch_size", sequences.Count);
        parameters.SetSearchOption("max_length", sequences[0].Length + 1);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(sequences.SelectMany(p => p).ToArray());  // [P·T]: equal lengths
        using Microsoft.ML.OnnxRuntimeGenAI.Tensor logits = generator.GetOutput("logits");             // [P, T, V]
        long[] shape = logits.Shape();
        if (shape[0] != sequences.Count || shape[1] != sequences[0].Length)
            throw new InvalidOperationException($"prefill logits have shape [{string.Join(", ", shape)}], expected [{sequences.Count}, {sequences[0].Length}, V]");
        vocab = (int)shape[2];
        return logits.GetData<float>().ToArray();
    }

    /// <summary>max/mean |a − b| over everything, and argmax agreement at positions ≥ <paramref name="firstPredicting"/>.</summary>
    private static (double Max, double Mean, double Top1) Compare(float[] a, float[] b, int rows, int length, int vocab, int firstPredicting)
    {
        double max = 0, sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            double d = Math.Abs((double)a[i] - b[i]);
            max = Math.Max(max, d);
            sum += d;
        }
        int agree = 0, positions = 0;
        for (int r = 0; r < rows; r++)
            for (int t = firstPredicting; t < length; t++)
            {
                int at = (r * length + t) * vocab;
                agree += ArgMax(a.AsSpan(at, vocab)) == ArgMax(b.AsSpan(at, vocab)) ? 1 : 0;
                positions++;
            }
        return (max, sum / a.Length, (double)agree / positions);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }

    private static long FolderBytes(string folder) =>
        new FileInfo(Path.Combine(folder, "model.onnx")).Length + new FileInfo(Path.Combine(folder, "model.onnx.data")).Length;

    private static void Print(List<Int4BenchResult> results, int prompts, int promptLength, int newTokens, TextWriter output)
    {
        Int4BenchResult fp32 = results[0];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"quality over {prompts} prompts × {promptLength} tokens + {newTokens} greedy tokens (teacher-forced on fp32's continuation); speed: GenAI greedy decode, best of the repeats"));
        output.WriteLine("export      size (MB)  size/fp32  max|Δlogit|  mean|Δlogit|  top-1 agree  greedy agree  common prefix  tok/s b1  ratio  tok/s b16  ratio");
        foreach (Int4BenchResult r in results)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Name,-10} {r.Bytes / 1e6,10:F2} {(double)r.Bytes / fp32.Bytes,10:F3} {r.MaxLogitError,12:F4} {r.MeanLogitError,13:F5} {r.Top1Agreement,12:P1} {r.GreedyAgreement,13:P1} {r.GreedyPrefix,14:P1} " +
                $"{r.TokensPerSecondBatch1,9:F0} {r.TokensPerSecondBatch1 / fp32.TokensPerSecondBatch1,6:F2} {r.TokensPerSecondBatch16,10:F0} {r.TokensPerSecondBatch16 / fp32.TokensPerSecondBatch16,6:F2}"));
    }
}
