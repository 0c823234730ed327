// Test fixture: a tiny Qwen2 decoder (trainer side) and GenAI folders exported from its current weights.
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Rollout.Tests;

/// <summary>
/// A 2-layer, 32-wide Qwen2 decoder (2 query heads sharing 1 KV head of size 16 — ORT's GroupQueryAttention needs head
/// sizes that are multiples of 16 — untied head) over a byte-level vocabulary of 256 bytes plus
/// <c>&lt;|endoftext|&gt;</c> = 256 (EOS and pad). Weights are drawn large (matrices N(0, 0.3²)) so logits are spread out
/// and greedy choices are far from ties that float rounding could flip between libtorch and ORT.
/// </summary>
internal static class TinyPolicy
{
    public const int EndOfText = 256, Vocab = 257, Context = 64;

    public static readonly DecoderConfig Config = new DecoderConfig
    {
        ModelType = "qwen2",
        VocabSize = Vocab,
        HiddenSize = 32,
        IntermediateSize = 40,
        NumHiddenLayers = 2,
        NumAttentionHeads = 2,
        NumKeyValueHeads = 1,
        HeadDim = 16,
        MaxPositionEmbeddings = Context,
        TieWordEmbeddings = false,
        BosTokenId = EndOfText,
        EosTokenIds = [EndOfText],
        PadTokenId = EndOfText,
    }.Validate();

    public static DecoderExportOptions Options(bool overridable, AttentionKernel kernel = AttentionKernel.Reference) =>
        new() { OverridableWeights = overridable, ContextLength = Context, Kernel = kernel };

    /// <summary>The policy with seeded weights (the same for every call with the same seed).</summary>
    public static DecoderModel NewModel(ulong seed = 1)
    {
        var model = new DecoderModel(Config);
        TensorUtil.ManualSeed(seed);
        using var noGrad = no_grad();
        foreach (var (name, p) in model.named_parameters())
        {
            if (p.dim() >= 2) p.normal_(0, 0.3);
            else if (name.EndsWith("bias", StringComparison.Ordinal)) p.normal_(0, 0.2);
            else p.normal_(1, 0.2);
        }
        return model;
    }

    /// <summary>Exports <paramref name="model"/>'s current weights as a GenAI folder in a new temp folder.</summary>
    public static TempFolder Export(DecoderModel model, bool overridable = false, AttentionKernel kernel = AttentionKernel.Reference)
    {
        var folder = new TempFolder($"policy-{kernel}{(overridable ? "-overridable" : "")}");
        using var tokenizerFolder = new TempFolder("tokenizer");
        new ByteLevelBpeTokenizer([], ["<|endoftext|>"]).Write(tokenizerFolder.Path, "<|endoftext|>", "<|endoftext|>", "<|endoftext|>");
        using (no_grad())
            DecoderExporter.ExportGenAIFolder(folder.Path, Config, model.StateDict(), tokenizerFolder.Path, Options(overridable, kernel));
        return folder;
    }

    /// <summary>A few AdamW steps (lr 1e-2) of next-token cross-entropy on a fixed byte string: the weights visibly move.</summary>
    public static void Train(DecoderModel model, int steps = 3)
    {
        long[] ids = "the policy learns"u8.ToArray().Select(b => (long)b).ToArray();
        using var optimizer = new Hybrid.Tensors.Optim.AdamW(model.parameters().Where(p => p.requires_grad), lr: 1e-2);   // under LoRA: the adapters
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            Tensor input = torch.tensor(ids[..^1], [1, ids.Length - 1]);    // [1, T]
            Tensor targets = torch.tensor(ids[1..], [1, ids.Length - 1]);   // [1, T]
            Tensor loss = -model.TokenLogProbs(input, targets).mean();      // mean NLL
            model.zero_grad();
            loss.backward();
            optimizer.Step();
        }
    }

    /// <summary>
    /// log q of each response token recomputed by the trainer: one forward over prompt + response, the sampling transform
    /// of the logits that predicted each response token. Returns [A].
    /// </summary>
    public static float[] RecomputedLogProbs(DecoderModel model, int[] prompt, int[] response, Hybrid.Models.Generation.SamplingParams sampling)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long[] all = [.. prompt.Select(t => (long)t), .. response.Select(t => (long)t)];
        Tensor logits = model.Forward(torch.tensor(all, [1, all.Length])).squeeze(0);                 // [T, V]
        Tensor predicting = logits.slice(0, prompt.Length - 1, all.Length - 1, 1);                        // [A, V]
        Tensor targets = torch.tensor(response.Select(t => (long)t).ToArray(), [response.Length]);    // [A]
        return Hybrid.Models.Generation.SamplingDistribution.TokenLogProbs(predicting, targets, sampling).data<float>().ToArray();
    }

    /// <summary>The trainer's logits [T·V] for <paramref name="tokens"/>.</summary>
    public static float[] Logits(DecoderModel model, int[] tokens)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return model.Forward(torch.tensor(tokens.Select(t => (long)t).ToArray(), [1, tokens.Length])).data<float>().ToArray();
    }

    /// <summary>Asserts |expected − actual| ≤ tolerance everywhere, reporting the largest difference and the first mismatches.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        var first = new List<string>();
        for (int i = 0; i < expected.Length; i++)
        {
            double d = Math.Abs(expected[i] - actual[i]);
            if (!(d <= tolerance) && first.Count < 5) first.Add($"[{i}] expected {expected[i]:G7} got {actual[i]:G7}");
            if (!(d <= max)) max = d;
        }
        if (first.Count > 0) throw new Xunit.Sdk.XunitException($"{what}: max |diff| {max:G3} > {tolerance:G3}; {string.Join("; ", first)}");
    }

    /// <summary>Largest |a − b|.</summary>
    public static double MaxDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }
}

/// <summary>A unique folder under the temp path, deleted (recursively) on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder(string label)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "hybrid-rollout-tests", $"{label}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* a file still mapped elsewhere; the OS temp cleaner takes it */ }
    }
}
