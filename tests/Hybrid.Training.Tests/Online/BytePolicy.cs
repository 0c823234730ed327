// Test fixture: a tiny byte-level Qwen2 policy (257 ids: the 256 bytes + <|endoftext|>) with a tokenizer folder, for online trainers.
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Models.Lora;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Online;
using Hybrid.Training.Rl.Tasks;

namespace Hybrid.Training.Tests.Online;

/// <summary>
/// A 2-layer, 32-wide decoder whose ids are raw bytes (a byte-level BPE tokenizer with no merges), EOS = pad = 256.
/// Every instance owns a temp folder holding the tokenizer files and the rollout export; dispose it.
/// </summary>
internal sealed class BytePolicy : IDisposable
{
    public const int EndOfText = 256, Vocab = 257;

    public static DecoderConfig Config(int context = 64) => AdditionTask.ByteConfig(context);

    /// <summary>
    /// <paramref name="lora"/>: LoRA adapters over the frozen base, in the model and in the rollout export, attached after
    /// <paramref name="trainBase"/> (full training of the base first: adapters over a random base cannot move its output).
    /// </summary>
    public BytePolicy(string label, ulong seed = 1, double weightStd = 0.02, OnlinePolicyOptions? options = null, LoraConfig? lora = null,
        Action<DecoderModel>? trainBase = null)
    {
        Folder = Path.Combine(Path.GetTempPath(), "hybrid-training-tests", $"{label}-{Guid.NewGuid():N}");
        TokenizerDir = Path.Combine(Folder, "tokenizer");
        AdditionTask.WriteByteTokenizer(TokenizerDir);
        TensorUtil.ManualSeed(seed);
        var model = new DecoderModel(Config());
        if (weightStd != 0.02)
        {
            using var noGrad = no_grad();
            foreach (var (_, p) in model.named_parameters()) if (p.dim() >= 2) p.normal_(0, weightStd);
        }
        trainBase?.Invoke(model);
        if (lora is not null)
        {
            LoraLayers.Attach(model, lora);
            options = (options ?? new OnlinePolicyOptions()) with { Lora = lora };
        }
        Policy = OnlinePolicy.Create(model, TokenizerDir, Path.Combine(Folder, "work"), options);
    }

    public string Folder { get; }

    public string TokenizerDir { get; }

    public OnlinePolicy Policy { get; }

    public static int[] Bytes(string text) => AdditionTask.Bytes(text);

    public void Dispose()
    {
        Policy.Dispose();
        try { Directory.Delete(Folder, recursive: true); }
        catch (IOException) { /* a file still mapped; the temp cleaner takes it */ }
    }
}
