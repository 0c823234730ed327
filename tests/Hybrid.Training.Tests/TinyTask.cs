// Test fixtures: a tiny random Qwen2 config, a character-level encoder, and a synthetic arithmetic SFT task.
using Hybrid.Models.Config;
using Hybrid.Training.Data;
using Hybrid.Training.Sft;

namespace Hybrid.Training.Tests;

internal static class TinyTask
{
    /// <summary>Characters the encoder knows; id = index + 1, and 0 is the EOS/pad token.</summary>
    public const string Alphabet = "0123456789+=; abcdefghijklmnopqrstuvwxyz";

    public const int Eos = 0;

    public static DecoderConfig Config(int vocab = 48) => new DecoderConfig
    {
        ModelType = "qwen2",
        VocabSize = vocab,
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        RopeTheta = 10000,
        MaxPositionEmbeddings = 128,
        EosTokenIds = [Eos],
        PadTokenId = Eos,
    }.Validate();

    public static int[] Encode(string text) => text.Select(c =>
    {
        int i = Alphabet.IndexOf(c);
        return i >= 0 ? i + 1 : throw new ArgumentException($"character '{c}' is not in the test alphabet");
    }).ToArray();

    public static SftTokenizer Tokenizer(int maxLength = 64, bool completionOnly = true) =>
        new(Encode, Eos, _ => throw new NotSupportedException("the tiny task has no chat rows"), maxLength, completionOnly);

    /// <summary>"a+b=" → "c" rows for single digits a, b (c = (a + b) mod 10), deterministic from <paramref name="seed"/>.</summary>
    public static List<SftExample> Addition(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            int a = rng.Next(10), b = rng.Next(10);
            return new SftExample(SftExampleKind.PromptCompletion, $"addition:{seed}:{i}") { Prompt = $"{a}+{b}=", Completion = $"{(a + b) % 10}" };
        }).ToList();
    }
}
