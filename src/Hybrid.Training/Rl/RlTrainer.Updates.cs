// The update phases of RlTrainer: the actor over mini-batches of whole groups (policy loss, KL, entropy, PPO-ptx) and the critic.
using Hybrid.Algorithms.Critic;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Online;
using Hybrid.Training.Sft;
using Hybrid.Training.Stability;

namespace Hybrid.Training.Rl;

public sealed partial class RlTrainer
{
    // ---- phases ---------------------------------------------------------------------------------------------------------

    private void UpdateActor(DecoderModel model, AdamW optimizer, Experience x, DataOrder? ptxOrder, int iteration, Dictionary<string, double> m)
    {
        var sums = new Dictionary<string, double>();
        int steps = 0;
        double klBeta = _axes.KlCoefficient?.Value ?? 0;
        var rng = new Random(unchecked((int)_config.Seed * 31 + iteration));
        for (int epoch = 0; epoch < _axes.Epochs; epoch++)
        {
            foreach (int[] rows in MiniBatches(x, rng))
            {
                // One optimizer step per mini-batch; its rows go through forward/backward in micro-batches whose
                // gradients accumulate. Each micro-batch's loss is its share of the mini-batch's: the aggregation's
                // numerator over its rows divided by the normaliser of the whole mini-batch, so the shares sum to the
                // unsplit loss (PPO-ptx: its mean over the micro-batch weighted by the micro-batch's share of rows). The
                // loss's metrics (clip fractions, ppo_kl: means over tokens) are weighted by the share of tokens.
                double normaliser, tokens;
                using (NewDisposeScope())
                {
                    Tensor rowsMask = MaskOf(x, rows);                                                    // [n, A]
                    (normaliser, tokens) = (_axes.Aggregation.Normaliser(rowsMask), Math.Max(1, rowsMask.sum().ToDouble()));
                }
                double lossValue = 0;
                foreach (int[] micro in MicroBatches(rows))
                {
                    using var scope = NewDisposeScope();
                    using var sc = new ScalarScope();
                    Tensor index = RowIndex(micro);                                                       // [n]
                    ResponseBatch mb = Rows(x.Batch, index);
                    Tensor mask = mb.Mask;                                                                // [n, A]
                    double tokenShare = micro.Length == rows.Length ? 1 : mask.sum().ToDouble() / tokens;
                    (Tensor logProbs, Tensor entropy) = _axes.EntropyCoefficient > 0                       // one kernel for π_old, π_ref and π_θ
                        ? ResponseLogProbs.WithEntropy(model, mb, _temperature)
                        : (ResponseLogProbs.Compute(model, mb, _temperature), null!);                       // [n, A]
                    PolicyLossOutput pg = _axes.PolicyLoss.Compute(new PolicyLossInputs
                    {
                        LogProbs = logProbs, OldLogProbs = x.OldLogProbs!.index_select(0, index), Advantages = x.Advantages!.index_select(0, index),
                        Mask = mask, RefLogProbs = x.RefLogProbs?.index_select(0, index), Scores = x.Scores.index_select(0, index),
                        GroupSize = x.GroupSize,
                    });
                    Tensor tokenLoss = x.CorrectionWeights is null ? pg.TokenLoss : pg.TokenLoss * x.CorrectionWeights.index_select(0, index);  // [n, A]
                    Tensor loss = _axes.Aggregation.Sum(tokenLoss, mask) / sc[normaliser];                  // [] this micro-batch's share
                    Add(sums, "actor/pg_loss", loss.ToDouble());
                    foreach (var (k, v) in pg.Metrics) Add(sums, k, v * tokenShare);
                    if (_axes.KlPlacement == KlPlacement.InLoss)
                    {
                        Tensor klLoss = _axes.Aggregation.Sum(_axes.Kl!.PerToken(logProbs, x.RefLogProbs!.index_select(0, index)), mask) / sc[normaliser];  // []
                        Add(sums, "actor/kl_loss", klLoss.ToDouble());
                        loss = loss.add(klLoss * sc[klBeta], sc[1]);
                    }
                    if (_axes.EntropyCoefficient > 0)
                        loss = loss - _axes.Aggregation.Sum(entropy, mask) / sc[normaliser] * sc[_axes.EntropyCoefficient];
                    if (_config.PtxCoefficient > 0)
                    {
                        var ptxRows = NextPtx(ptxOrder!, micro.Length);
                        Batch sft = Batch.Collate(ptxRows, _policy.PadTokenId);
                        var (ptxSum, _) = CausalLmLoss.Compute(model.Forward(sft.InputIds, sft.AttentionMask), sft.Labels);  // []
                        Tensor ptxLoss = ptxSum / sc[Math.Max(1, sft.TargetTokens)] * sc[(double)micro.Length / rows.Length];
                        Add(sums, "actor/ptx_loss", ptxLoss.ToDouble());
                        loss = loss.add(ptxLoss * sc[_config.PtxCoefficient], sc[1]);
                    }
                    lossValue += loss.ToDouble();
                    loss.backward();
                }
                var (gradNorm, applied) = GuardedOptimizerStep.Apply(optimizer, lossValue, _config.MaxGradNorm, optimizer.LearningRate);
                _guard.Record(applied, lossValue, gradNorm);
                Add(sums, "actor/grad_norm", gradNorm);
                steps++;
            }
        }
        foreach (var (k, v) in sums) m[k] = v / steps;
        m["actor/skipped_steps"] = _guard.SkippedSteps;
        m["actor/lr"] = optimizer.LearningRate;
    }

    private void UpdateCritic(AdamW optimizer, Experience x, int iteration, Dictionary<string, double> m)
    {
        double lossSum = 0;
        int steps = 0;
        var rng = new Random(unchecked((int)_config.Seed * 17 + iteration));
        for (int epoch = 0; epoch < _axes.Epochs; epoch++)
        {
            foreach (int[] rows in MiniBatches(x, rng))
            {
                // Micro-batches as the actor's: ValueLoss is a mean over tokens, so each micro-batch's mean is weighted
                // by its share of the mini-batch's tokens (max(t_k, 1) / max(T, 1): exact, an empty one adds 0).
                double tokens;
                using (NewDisposeScope())
                    tokens = Math.Max(1, MaskOf(x, rows).sum().ToDouble());
                double lossValue = 0;
                foreach (int[] micro in MicroBatches(rows))
                {
                    using var scope = NewDisposeScope();
                    using var sc = new ScalarScope();
                    Tensor index = RowIndex(micro);                                                      // [n]
                    ResponseBatch mb = Rows(x.Batch, index);
                    Tensor mask = mb.Mask;                                                               // [n, A]
                    Tensor values = Critic!.Values(mb);                                                  // [n, A]
                    Tensor returns = x.Returns!.index_select(0, index);                                   // [n, A]
                    double share = Math.Max(1, mask.sum().ToDouble()) / tokens;
                    Tensor loss = ValueLoss.Compute(values, x.Values!.index_select(0, index), returns, mask, _axes.ValueClip) * sc[_axes.ValueCoefficient * share];  // []
                    lossValue += loss.ToDouble();
                    loss.backward();
                }
                lossSum += lossValue;
                var (gradNorm, applied) = GuardedOptimizerStep.Apply(optimizer, lossValue, _config.MaxGradNorm, optimizer.LearningRate);
                _guard.Record(applied, lossValue, gradNorm);
                steps++;
            }
        }
        m["critic/vf_loss"] = lossSum / steps;
        using var noGrad = no_grad();
        Tensor maskAll = x.Batch.Mask;                                                               // [N, A]
        m["critic/vf_explained_var"] = ValueLoss.ExplainedVariance(x.Values!, x.Returns!, maskAll);
        m["critic/values_mean"] = ((x.Values! * maskAll).sum() / maskAll.sum()).ToDouble();
    }
}
