// Test fixture: single-digit addition prompts ("3+4=" → "7") for online RL, with a short SFT warm-up of a byte-level policy.
using Hybrid.Torch;
using Hybrid.Torch.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Sft;
using Hybrid.Training.Tests.Online;

namespace Hybrid.Training.Tests.Rl;

internal static class ArithmeticTask
{
    /// <summary>All 100 facts a+b for digits a, b, shuffled by <paramref name="seed"/>, split into train and held-out.</summary>
    public static (List<PromptRow> Train, List<PromptRow> HeldOut) Split(int heldOut = 30, int seed = 7)
    {
        var rows = (from a in Enumerable.Range(0, 10) from b in Enumerable.Range(0, 10)
                    select new PromptRow($"{a}+{b}=", new Dictionary<string, string> { ["answer"] = (a + b).ToString() }, $"{a}+{b}")).ToArray();
        new Random(seed).Shuffle(rows);
        return (rows.Skip(heldOut).ToList(), rows.Take(heldOut).ToList());
    }

    /// <summary>
    /// <paramref name="steps"/> AdamW steps (lr 3e-3, batch 16) of completion-only SFT on <paramref name="rows"/>' answers,
    /// then a weight push so the engine serves the warmed-up policy.
    /// </summary>
    public static void WarmUp(OnlinePolicy policy, IReadOnlyList<PromptRow> rows, int steps, ulong seed = 3)
    {
        var tokenizer = new SftTokenizer(BytePolicy.Bytes, policy.EosTokenId, _ => throw new NotSupportedException(), maxLength: 32);
        var examples = rows.Select(r => tokenizer.Tokenize(new SftExample(SftExampleKind.PromptCompletion, r.Source) { Prompt = r.Prompt, Completion = r.Columns["answer"] })).ToList();
        LibTorch.ManualSeed(seed);
        using var optimizer = new AdamW(policy.Model.Parameters(), 3e-3, weightDecay: 0);
        var order = new DataOrder(examples.Count, seed, shuffle: true);
        for (int step = 0; step < steps; step++)
        {
            if (order.EpochDone) order.NextEpoch();
            var batch = order.NextBatch(16).Select(i => examples[i]).ToList();
            SftStep.Run(policy.Model, optimizer, [batch], policy.PadTokenId, 3e-3, maxGradNorm: 1.0);
        }
        policy.PushWeights();
    }
}
