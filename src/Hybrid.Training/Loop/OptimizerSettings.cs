// AdamW's settings and the warm-up, as every trainer (offline and RL) takes them.
using Hybrid.Tensors.Optim;

namespace Hybrid.Training.Loop;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019) β₁, β₂, ε and decoupled weight decay λ, plus the linear warm-up as a fraction of
/// the run. Offline trainers read them from <see cref="TrainingArguments"/>; RL takes them as <c>RlConfig.Optimizer</c>.
/// Defaults are transformers' (0.9, 0.999, 1e-8, λ = 0, no warm-up).
/// </summary>
public sealed record OptimizerSettings
{
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;
    public double WeightDecay { get; init; }

    /// <summary>Linear warm-up over this fraction of the run's steps (or iterations), then the trainer's schedule.</summary>
    public double WarmupRatio { get; init; }

    /// <summary>Throws "<c>{owner}.{field} = {value}: {fix}</c>" for the first bad field.</summary>
    public OptimizerSettings Validate(string owner)
    {
        void Require(bool ok, string field, double value, string fix)
        {
            if (!ok) throw new ArgumentException($"{owner}.{field} = {value}: {fix}");
        }
        Require(AdamBeta1 is >= 0 and < 1, nameof(AdamBeta1), AdamBeta1, "must be in [0, 1)");
        Require(AdamBeta2 is >= 0 and < 1, nameof(AdamBeta2), AdamBeta2, "must be in [0, 1)");
        Require(AdamEpsilon > 0 && double.IsFinite(AdamEpsilon), nameof(AdamEpsilon), AdamEpsilon, "must be finite and > 0");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), nameof(WeightDecay), WeightDecay, "must be finite and >= 0");
        Require(WarmupRatio is >= 0 and < 1, nameof(WarmupRatio), WarmupRatio, "must be in [0, 1)");
        return this;
    }

    /// <summary>An AdamW over <paramref name="parameters"/> at <paramref name="learningRate"/> with these settings.</summary>
    public AdamW Create(IEnumerable<torch.Tensor> parameters, double learningRate) =>
        new(parameters, learningRate, AdamBeta1, AdamBeta2, AdamEpsilon, WeightDecay);

    /// <summary>The warm-up factor at step <paramref name="step"/> (0-based) of <paramref name="total"/>: (step + 1)/W for the first W = ⌈ratio·total⌉ steps, then 1.</summary>
    public double WarmupFactor(long step, long total)
    {
        long warmup = (long)Math.Ceiling(WarmupRatio * total);
        return warmup <= 0 || step >= warmup ? 1.0 : (step + 1) / (double)warmup;
    }
}
