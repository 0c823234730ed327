// Step-DPO training: DPO on step pairs whose prompt is the question plus the shared steps, against the initial model.
using System.Diagnostics;
using Hybrid.Algorithms.Preference;
using Hybrid.Models.Decoder;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Stability;

namespace Hybrid.Training.OnlinePreference.StepDpo;

/// <summary>Each epoch's metrics row, and the wall time of the run in seconds.</summary>
public sealed record StepDpoResult(IReadOnlyList<IReadOnlyDictionary<string, double>> Epochs, double Seconds);

/// <summary>
/// Card D12 (see <see cref="StepDpoConfig"/>):
/// <code>
/// L = −log σ(β log π_θ(s_win | x; s_&lt;k)/π_ref(s_win | x; s_&lt;k) − β log π_θ(s_lose | x; s_&lt;k)/π_ref(s_lose | x; s_&lt;k))
/// </code>
/// Pairs are tokenized as prompt = x + s₁ … s_{k−1}, responses = the k-th steps alone, so only step-k tokens are summed
/// (<see cref="PairUpdate"/>). π_ref is a frozen copy of the model as training starts. Each epoch logs the loss metrics
/// and <c>step/margin</c> (mean Σ log π_θ(s_win) − Σ log π_θ(s_lose)) and <c>step/accuracy</c> (share of pairs whose
/// margin is positive), both after the epoch's updates.
/// </summary>
public sealed class StepDpoTrainer(StepDpoConfig config, TextWriter? log = null)
{
    private readonly StepDpoConfig _config = config.Validate();

    // Built once here, so an unknown loss name fails before any model work (listing the registered names).
    private readonly IPreferenceLoss _loss = config.Update.CreateLoss($"{nameof(StepDpoConfig)}.{nameof(StepDpoConfig.Update)}");

    /// <summary>Prompt = <paramref name="encode"/>(question + shared steps), chosen/rejected = <paramref name="encode"/>(step k).</summary>
    public static List<TokenPair> Tokenize(IReadOnlyList<StepPair> pairs, Func<string, int[]> encode) =>
        pairs.Select((p, i) => new TokenPair(encode(p.Prompt), encode(p.ChosenStep), encode(p.RejectedStep), $"step pair {i} (k = {p.StepIndex})")).ToList();

    /// <summary>Trains <paramref name="model"/> in place on <paramref name="pairs"/> for <see cref="PairUpdateConfig.Epochs"/> epochs.</summary>
    public StepDpoResult Train(DecoderModel model, IReadOnlyList<TokenPair> pairs, int padTokenId)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (pairs is not { Count: > 0 }) throw new ArgumentException("Step-DPO needs at least one step pair", nameof(pairs));
        StepDpoConfig c = _config;
        IPreferenceLoss loss = _loss;
        using DecoderModel reference = FrozenModel.Copy(model);
        using var optimizer = new AdamW(model.parameters().Where(p => p.requires_grad), c.Update.LearningRate, weightDecay: c.Update.WeightDecay);  // LoRA: the adapters only
        using var metricsLog = new IterationMetrics(c.OutputDir, log);
        var guard = new DivergenceGuard("step-dpo");
        var rng = new Random((int)(c.Seed & int.MaxValue));
        var run = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        ReferenceLogps refLogps = PairUpdate.Reference(reference, pairs, padTokenId, c.Update.BatchSize);
        double refSeconds = PhaseClock.Lap(clock);
        var epochs = new List<IReadOnlyDictionary<string, double>>();
        PairUpdateConfig oneEpoch = c.Update with { Epochs = 1 };
        for (int epoch = 1; epoch <= c.Update.Epochs; epoch++)
        {
            Dictionary<string, double> m = PairUpdate.Run(model, optimizer, loss, pairs, refLogps, oneEpoch, padTokenId, rng, guard);
            m["timing_s/update_actor"] = PhaseClock.Lap(clock);
            if (epoch == 1) m["timing_s/ref"] = refSeconds;
            ReferenceLogps now = PairUpdate.Reference(model, pairs, padTokenId, c.Update.BatchSize);
            double[] margins = Enumerable.Range(0, pairs.Count).Select(i => now.Chosen[i] - now.Rejected[i]).ToArray();
            m["step/margin"] = margins.Average();
            m["step/accuracy"] = margins.Count(x => x > 0) / (double)margins.Length;
            m["timing_s/eval"] = PhaseClock.Lap(clock);
            metricsLog.Write(epoch, m);
            epochs.Add(m);
        }
        return new StepDpoResult(epochs, run.Elapsed.TotalSeconds);
    }
}
