// Test fixture: the tiny "a+b=" task for the online-preference drivers, with an SFT warm-up that teaches the answer format only.
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.OnlinePreference;
using Hybrid.Training.Sft;
using Hybrid.Training.Tests.Online;

namespace Hybrid.Training.Tests.OnlinePreference;

internal static class OnlineTask
{
    /// <summary>Every "a+b=" prompt of single digits (100), with its answer (a + b) mod 10 in the "answer" column.</summary>
    public static List<OnlinePrompt> AdditionPrompts() =>
        [.. from a in Enumerable.Range(0, 10) from b in Enumerable.Range(0, 10)
            select new OnlinePrompt($"{a}+{b}=", BytePolicy.Bytes($"{a}+{b}="), new Dictionary<string, string> { ["answer"] = $"{(a + b) % 10}" })];

    /// <summary>Answers the warm-up teaches, all equally often: ten digits and ten letters.</summary>
    public const string WarmUpAnswers = "0123456789abcdefghij";

    /// <summary>
    /// SFT on "a+b=" → one character drawn uniformly from <see cref="WarmUpAnswers"/> + EOS: the model learns to answer
    /// with one character and stop, half of the time a digit, so "answer with a digit" starts near 1/2.
    /// </summary>
    public static void FormatWarmUp(DecoderModel model, int steps, ulong seed)
    {
        var rng = new Random((int)seed);
        using var optimizer = new AdamW(model.parameters(), lr: 1e-2);
        for (int step = 0; step < steps; step++)
        {
            var examples = new List<TokenizedExample>();
            for (int i = 0; i < 32; i++)
            {
                int[] prompt = BytePolicy.Bytes($"{rng.Next(10)}+{rng.Next(10)}=");
                int[] ids = [.. prompt, WarmUpAnswers[rng.Next(WarmUpAnswers.Length)], BytePolicy.EndOfText];
                examples.Add(new TokenizedExample(ids, [.. prompt.Select(_ => false), true, true], "warm-up"));
            }
            SftStep.Run(model, optimizer, [examples], BytePolicy.EndOfText, 1e-2, 1.0);
        }
    }
}

/// <summary>Slow references the driver tests measure with: one unpadded forward per row, sums in doubles.</summary>
internal static class SlowLogProbs
{
    /// <summary>Σ_j log softmax(logits)[y_j] over the positions that predict <paramref name="response"/> after <paramref name="prompt"/>.</summary>
    public static double Sum(DecoderModel model, int[] prompt, int[] response)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long[] all = [.. prompt.Select(t => (long)t), .. response.Select(t => (long)t)];
        float[] logits = model.Forward(torch.tensor(all, [1, all.Length])).data<float>().ToArray();   // [T·V]
        int v = model.Config.VocabSize;
        double sum = 0;
        for (int j = 0; j < response.Length; j++)
        {
            int row = (prompt.Length - 1 + j) * v;
            double max = double.NegativeInfinity, z = 0;
            for (int k = 0; k < v; k++) max = Math.Max(max, logits[row + k]);
            for (int k = 0; k < v; k++) z += Math.Exp(logits[row + k] - max);
            sum += logits[row + response[j]] - max - Math.Log(z);
        }
        return sum;
    }
}
