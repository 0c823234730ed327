// The demo's ONNX half: export a tiny decoder as a GenAI folder, generate greedily with GenAI, check against the reference.
using System.Diagnostics;
using System.Text;
using Hybrid.Export.TinyDecoder;
using Hybrid.Models.Tokenizers;
using Hybrid.Onnx.Tokenizers;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Cli.Demo;

/// <summary>
/// Writes a seeded 2-layer attention decoder with a byte-level BPE tokenizer to a folder (model.onnx + model.onnx.data,
/// genai_config.json, tokenizer files), loads it with ONNX Runtime GenAI, greedily generates a few tokens for a prompt
/// tokenized by onnxruntime-extensions, and checks the tokens equal the plain-C# reference forward pass: the rollout
/// path of every Hybrid trainer in miniature.
/// </summary>
public static class GenerationDemo
{
    private const string Prompt = "hello world";
    private const int NewTokens = 12;
    private const int Seed = 7;
    private const string EndOfText = "<|endoftext|>";

    /// <summary>Runs the demo in <paramref name="exportDir"/>; returns 0 when GenAI's tokens equal the reference's.</summary>
    public static int Run(string exportDir, TextWriter log)
    {
        var tokenizer = new ByteLevelBpeTokenizer(
            [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), (" ", "w"), ("o", "r"), (" w", "or"), ("l", "d"),
             (" wor", "ld"), ("t", "h"), (" ", "th"), (" th", "e"), ("i", "n"), (" ", "a")],
            [EndOfText]);
        int endOfText = tokenizer.SpecialTokenId(EndOfText);
        var config = new TinyDecoderConfig
        {
            VocabSize = tokenizer.VocabSize,
            BosTokenId = endOfText,
            EosTokenId = endOfText,
            PadTokenId = endOfText,
        };
        TinyDecoderWeights weights = TinyDecoderWeights.Random(config, Seed);

        var clock = Stopwatch.StartNew();
        TinyDecoderExport.Write(exportDir, weights, tokenizer);
        log.WriteLine($"[generate] exported a {config.NumLayers}-layer decoder (D={config.HiddenSize}, H={config.NumHeads}, " +
                      $"V={config.VocabSize}) to {exportDir} in {clock.Elapsed.TotalMilliseconds:F0} ms");

        int[] prompt;
        using (var ortx = OrtxTokenizer.Open(exportDir))
            prompt = ortx.Encode(Prompt);
        log.WriteLine($"[generate] prompt \"{Prompt}\" → [{string.Join(", ", prompt)}] (onnxruntime-extensions)");

        clock.Restart();
        using var model = new Model(exportDir);
        double loadMs = clock.Elapsed.TotalMilliseconds;
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + NewTokens);
        using var generator = new Generator(model, parameters);
        clock.Restart();
        generator.AppendTokens(prompt);
        var generated = new List<int>();
        while (!generator.IsDone())
        {
            generator.GenerateNextToken();
            generated.Add(generator.GetNextTokens()[0]);
        }
        double generateMs = clock.Elapsed.TotalMilliseconds;

        // Random weights emit arbitrary bytes, often invalid UTF-8; onnxruntime-extensions' detokenizer drops everything
        // after the first invalid byte, so show the tokens' bytes decoded by .NET instead (each bad byte becomes '�').
        string text = Encoding.UTF8.GetString(tokenizer.Bytes(generated));
        log.WriteLine($"[generate] GenAI greedy ({loadMs:F0} ms to load, {generateMs / Math.Max(1, generated.Count):F2} ms/token): " +
                      $"[{string.Join(", ", generated)}] = \"{Printable(text)}\" (random weights: bytes, not language)");

        int[] expected = new TinyDecoderReference(weights).Greedy(prompt, NewTokens);
        log.WriteLine($"[generate] reference (plain C# loops):             [{string.Join(", ", expected)}]");
        bool same = generated.SequenceEqual(expected);
        log.WriteLine(same
            ? $"[generate] OK: GenAI and the reference agree on all {expected.Length} tokens"
            : "[generate] FAILED: GenAI's tokens differ from the reference");
        return same ? 0 : 1;
    }

    /// <summary>Escapes control characters so random byte tokens print on one line.</summary>
    private static string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            if (char.IsControl(c))
                builder.Append($"\\x{(int)c:x2}");
            else
                builder.Append(c);
        }
        return builder.ToString();
    }
}
