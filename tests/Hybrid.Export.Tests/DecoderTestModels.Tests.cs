// Shared by the decoder export tests: tiny random Qwen2/Llama configs, weights where every parameter matters, a tokenizer folder.
using System.Globalization;
using System.Text;
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Export.Tests;

/// <summary>Random tiny decoders of several shapes and the trainer model holding the same weights.</summary>
internal static class DecoderTestModels
{
    public const int Vocab = 96, Context = 64;

    /// <summary>The shapes under test: GQA and not, tied and not, Qwen2 q/k/v bias, Llama without and with attention_bias.</summary>
    public static readonly IReadOnlyDictionary<string, DecoderConfig> Configs = new Dictionary<string, DecoderConfig>
    {
        // GQA (2 query heads per KV head), tied, q/k/v biases, hidden ≠ heads·head_dim.
        ["qwen2_gqa_tied"] = Make("qwen2", hidden: 48, heads: 4, kvHeads: 2, headDim: 16, tied: true, bias: false),
        // Multi-head attention, separate LM head.
        ["qwen2_mha_untied"] = Make("qwen2", hidden: 64, heads: 4, kvHeads: 4, headDim: 16, tied: false, bias: false),
        // Multi-query attention, no biases at all.
        ["llama_mqa_nobias"] = Make("llama", hidden: 64, heads: 4, kvHeads: 1, headDim: 16, tied: false, bias: false),
        // Llama with attention_bias: q/k/v and o biases; tied.
        ["llama_bias_tied"] = Make("llama", hidden: 64, heads: 2, kvHeads: 2, headDim: 32, tied: true, bias: true),
    };

    public static TheoryData<string> Names => new(Configs.Keys);

    private static DecoderConfig Make(string type, int hidden, int heads, int kvHeads, int headDim, bool tied, bool bias) => new DecoderConfig
    {
        ModelType = type, VocabSize = Vocab, HiddenSize = hidden, IntermediateSize = 80, NumHiddenLayers = 2,
        NumAttentionHeads = heads, NumKeyValueHeads = kvHeads, HeadDim = headDim, RmsNormEps = 1e-5, RopeTheta = 10000,
        MaxPositionEmbeddings = Context, TieWordEmbeddings = tied, AttentionBias = bias,
        BosTokenId = 0, EosTokenIds = [Vocab - 1], PadTokenId = 1,
    }.Validate();

    /// <summary>
    /// Weights by HF name, caller-owned, large enough that every parameter moves the logits: embeddings ~ N(0, 1),
    /// matrices ~ N(0, 1/in), biases ~ N(0, 0.5²), norm weights ~ 1 + N(0, 0.3²).
    /// </summary>
    public static Dictionary<string, Tensor> RandomWeights(DecoderConfig config, ulong seed)
    {
        TensorUtil.ManualSeed(seed);
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        foreach ((string name, long[] shape) in config.ParameterShapes())
        {
            Tensor t = name.EndsWith("norm.weight", StringComparison.Ordinal) ? torch.randn(shape) * 0.3 + 1.0
                : name.EndsWith(".bias", StringComparison.Ordinal) ? torch.randn(shape) * 0.5
                : name == "model.embed_tokens.weight" ? torch.randn(shape)
                : torch.randn(shape) * (1.0 / Math.Sqrt(shape[1]));
            weights[name] = t.DetachFromDisposeScope();
        }
        return weights;
    }

    /// <summary>
    /// The trainer-side oracle of an int4 export: the config and weights (caller-owned copies) with every quantized Linear
    /// weight [out, in] — q/k/v/o, gate/up/down, and the LM head when <see cref="Int4Options.QuantizeLmHead"/> — replaced
    /// by <see cref="Int4Quantizer.Dequantize"/> of its own quantization. q, k and v are quantized one by one here (the
    /// export packs them first: the rows, hence the blocks, are the same). A tied model with a quantized head comes back
    /// untied, with <c>lm_head.weight</c> = the dequantized embedding and the float embedding kept for the lookup.
    /// </summary>
    public static (DecoderConfig Config, Dictionary<string, Tensor> Weights) Dequantized(DecoderConfig config, Dictionary<string, Tensor> weights, Int4Options int4)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        Tensor RoundTrip(Tensor w)                                                             // [N, K] → dequantized [N, K]
        {
            int n = (int)w.size(0), k = (int)w.size(1);
            Int4Weight q = Int4Quantizer.Quantize(w.contiguous().data<float>().ToArray(), n, k, int4.BlockSize, int4.Symmetric);
            return torch.tensor(Int4Quantizer.Dequantize(q), [n, k]);
        }
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string name, Tensor w) in weights)
        {
            bool linear = name.EndsWith(".weight", StringComparison.Ordinal) && (name.Contains(".self_attn.", StringComparison.Ordinal) || name.Contains(".mlp.", StringComparison.Ordinal));
            bool head = name == "lm_head.weight" && int4.QuantizeLmHead;
            result[name] = (linear || head ? RoundTrip(w) : w.clone()).DetachFromDisposeScope();
        }
        if (int4.QuantizeLmHead && config.TieWordEmbeddings)
        {
            result["lm_head.weight"] = RoundTrip(weights["model.embed_tokens.weight"]).DetachFromDisposeScope();
            config = config with { TieWordEmbeddings = false };
        }
        return (config, result);
    }

    /// <summary>The trainer's model with <paramref name="weights"/> loaded (caller disposes).</summary>
    public static DecoderModel Trainer(DecoderConfig config, IReadOnlyDictionary<string, Tensor> weights)
    {
        var model = new DecoderModel(config);
        model.LoadStateDict(weights);
        model.eval();
        return model;
    }

    /// <summary>A byte-level BPE tokenizer folder (with the ChatML template), made once per test run.</summary>
    public static string TokenizerDir => LazyTokenizer.Value;

    private static readonly Lazy<string> LazyTokenizer = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), "hybrid-tests", $"decoder-tokenizer-{Guid.NewGuid():N}");
        BpeTrainer.Train(["hello world, hello tokens"], new BpeTrainerOptions { VocabSize = 270, MinFrequency = 1 })
            .Write(dir, bosToken: null, eosToken: SpecialTokens.ImEnd, padToken: SpecialTokens.EndOfText, chatTemplate: ChatTemplate.Jinja);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => DeleteFolder(dir);
        return dir;
    });

    /// <summary>A fresh temporary folder path (created).</summary>
    public static string NewFolder(string label)
    {
        string dir = Path.Combine(Path.GetTempPath(), "hybrid-tests", $"{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Deletes a folder made by <see cref="NewFolder"/>, leaving it to the OS when a memory map still holds a file.</summary>
    public static void DeleteFolder(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    /// <summary>Disposes every tensor of a weight map.</summary>
    public static void Dispose(Dictionary<string, Tensor> weights)
    {
        foreach (Tensor t in weights.Values) t.Dispose();
    }

    /// <summary>Fails unless |expected − actual| ≤ tolerance everywhere, reporting the max difference and the first mismatches.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, float tolerance, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: length {actual.Length}, expected {expected.Length}");
        float max = 0;
        var report = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float diff = MathF.Abs(expected[i] - actual[i]);
            if (!(diff <= tolerance) && shown++ < 5)
                report.Append(CultureInfo.InvariantCulture, $"\n  [{i}] expected {expected[i]:R}, got {actual[i]:R}");
            max = float.IsNaN(diff) ? float.NaN : MathF.Max(max, diff);
        }
        Assert.True(shown == 0, $"{what}: max |diff| = {max:G3} > {tolerance:G3}{report}");
    }
}
