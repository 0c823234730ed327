// Preference updates over tokenized pairs: reference log-probs once per iteration, then shuffled mini-batch AdamW steps.
using Hybrid.Algorithms;
using Hybrid.Algorithms.Preference;
using Hybrid.Models.Decoder;
using Hybrid.Torch;
using Hybrid.Torch.Optim;
using Hybrid.Training.Online;

namespace Hybrid.Training.OnlinePreference;

/// <summary>Σ log π_ref of every pair's chosen and rejected response, computed once (no gradients) before the updates.</summary>
public sealed record ReferenceLogps(double[] Chosen, double[] Rejected);

/// <summary>
/// The update phase of online DPO, SPIN and Step-DPO. Every pair is scored on its response tokens only: the rows are
/// laid out by <see cref="ResponseBatch"/>, so prompt tokens (for Step-DPO: the question and the shared steps) condition
/// the response but are never a target, and contribute nothing to the loss or its gradient.
/// <code>
/// pairs ─► [chosen rows; rejected rows] (2B) ─► Σ_j log π(y_j | x, y_&lt;j) per row ─► PreferenceInputs ─► loss ─► AdamW
/// </code>
/// </summary>
public static class PairUpdate
{
    /// <summary>
    /// Σ_j log π(y_j | x, y_&lt;j) of chosen and rejected responses of <paramref name="pairs"/> under <paramref name="model"/>:
    /// (chosen [B], rejected [B]), differentiable when gradients are on; owned by the current scope.
    /// </summary>
    public static (Tensor Chosen, Tensor Rejected) SequenceLogps(DecoderModel model, IReadOnlyList<TokenPair> pairs, int padTokenId)
    {
        int b = pairs.Count;
        var prompts = new List<int[]>(2 * b);
        var responses = new List<int[]>(2 * b);
        foreach (TokenPair p in pairs) { prompts.Add(p.Prompt); responses.Add(p.Chosen); }
        foreach (TokenPair p in pairs) { prompts.Add(p.Prompt); responses.Add(p.Rejected); }
        var batch = ResponseBatch.Build(prompts, responses, padTokenId);
        Tensor sums = ResponseLogProbs.SequenceSums(model, batch);   // [2B] Σ over response tokens only
        return (sums.Slice(0, 0, b), sums.Slice(0, b, 2 * b));       // [B], [B]
    }

    /// <summary>Σ log π_ref of every pair under <paramref name="reference"/>, <paramref name="batchSize"/> pairs per forward, without gradients.</summary>
    public static ReferenceLogps Reference(DecoderModel reference, IReadOnlyList<TokenPair> pairs, int padTokenId, int batchSize)
    {
        var chosen = new double[pairs.Count];
        var rejected = new double[pairs.Count];
        using var noGrad = LibTorch.NoGrad();
        for (int start = 0; start < pairs.Count; start += batchSize)
        {
            using var scope = LibTorch.NewScope();
            var part = pairs.Skip(start).Take(batchSize).ToList();
            var (c, r) = SequenceLogps(reference, part, padTokenId);   // [b], [b]
            float[] cs = c.ToArray<float>(), rs = r.ToArray<float>();
            for (int i = 0; i < part.Count; i++) (chosen[start + i], rejected[start + i]) = (cs[i], rs[i]);
        }
        return new ReferenceLogps(chosen, rejected);
    }

    /// <summary>
    /// One optimizer step on <paramref name="pairs"/> (indices <paramref name="rows"/> of the iteration's pairs and reference
    /// log-probs): forward, <paramref name="loss"/>, backward, clip to <paramref name="maxGradNorm"/>, AdamW. Returns the
    /// loss's metrics plus <c>loss</c> and <c>grad_norm</c>.
    /// </summary>
    public static Dictionary<string, double> Step(DecoderModel model, AdamW optimizer, IPreferenceLoss loss, IReadOnlyList<TokenPair> pairs,
        ReferenceLogps reference, IReadOnlyList<int> rows, int padTokenId, double maxGradNorm)
    {
        using var scope = LibTorch.NewScope();
        var part = rows.Select(i => pairs[i]).ToList();
        var (chosen, rejected) = SequenceLogps(model, part, padTokenId);                                  // [B], [B] with grad
        var inputs = new PreferenceInputs
        {
            ChosenLogps = chosen,
            RejectedLogps = rejected,
            ChosenTokens = LibTorch.Tensor(part.Select(p => (float)p.Chosen.Length).ToArray(), part.Count),      // [B] |y_w|
            RejectedTokens = LibTorch.Tensor(part.Select(p => (float)p.Rejected.Length).ToArray(), part.Count),  // [B] |y_l|
            RefChosenLogps = LibTorch.Tensor(rows.Select(i => (float)reference.Chosen[i]).ToArray(), part.Count),     // [B]
            RefRejectedLogps = LibTorch.Tensor(rows.Select(i => (float)reference.Rejected[i]).ToArray(), part.Count), // [B]
            ChosenScores = part.All(p => double.IsFinite(p.ChosenScore))
                ? LibTorch.Tensor(part.Select(p => (float)p.ChosenScore).ToArray(), part.Count) : null,             // [B]
            RejectedScores = part.All(p => double.IsFinite(p.RejectedScore))
                ? LibTorch.Tensor(part.Select(p => (float)p.RejectedScore).ToArray(), part.Count) : null,           // [B]
        };
        LossOutput output = loss.Compute(inputs);
        optimizer.ZeroGrad();
        output.Loss.Backward();
        double gradNorm = GradientClipping.ClipGradNorm(optimizer.Parameters, maxGradNorm);
        optimizer.Step();
        optimizer.ZeroGrad();
        var metrics = new Dictionary<string, double>(output.Metrics) { ["loss"] = output.Loss.Item(), ["grad_norm"] = gradNorm };
        return metrics;
    }

    /// <summary>
    /// <see cref="PairUpdateConfig.Epochs"/> passes over <paramref name="pairs"/> in mini-batches of
    /// <see cref="PairUpdateConfig.BatchSize"/>, shuffled by <paramref name="rng"/>. Returns the metrics averaged over the
    /// steps plus <c>update/steps</c> (empty pairs: only <c>update/steps</c> = 0).
    /// </summary>
    public static Dictionary<string, double> Run(DecoderModel model, AdamW optimizer, IPreferenceLoss loss, IReadOnlyList<TokenPair> pairs,
        ReferenceLogps reference, PairUpdateConfig config, int padTokenId, Random rng)
    {
        var sums = new Dictionary<string, double>();
        int steps = 0;
        for (int epoch = 0; epoch < config.Epochs && pairs.Count > 0; epoch++)
        {
            int[] order = Enumerable.Range(0, pairs.Count).ToArray();
            rng.Shuffle(order);
            for (int start = 0; start < order.Length; start += config.BatchSize)
            {
                int[] rows = order[start..Math.Min(order.Length, start + config.BatchSize)];
                foreach (var (k, v) in Step(model, optimizer, loss, pairs, reference, rows, padTokenId, config.MaxGradNorm))
                    sums[k] = sums.GetValueOrDefault(k) + v;
                steps++;
            }
        }
        var mean = sums.ToDictionary(kv => kv.Key, kv => kv.Value / steps);
        mean["update/steps"] = steps;
        return mean;
    }
}
