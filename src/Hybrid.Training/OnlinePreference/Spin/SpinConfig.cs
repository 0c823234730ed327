// Settings of SPIN: self-play iterations over SFT data with the previous iterate as opponent and reference.
using Hybrid.Models.Generation;

namespace Hybrid.Training.OnlinePreference.Spin;

/// <summary>
/// SPIN (Chen et al. 2024, arXiv 2401.01335): at iteration t the opponent p_θt (the policy at the start of the
/// iteration) answers every SFT prompt; the new policy minimises
/// <c>E[ℓ(λ log p_θ(y|x)/p_θt(y|x) − λ log p_θ(y′|x)/p_θt(y′|x))]</c> with y the SFT answer, y′ the opponent's and the
/// logistic ℓ(z) = log(1 + e^−z): DPO's sigmoid loss with β = λ and π_ref = p_θt. Paper settings: λ = 0.1, 2 epochs per
/// iteration, lr 5e-7 (iterations 0–1) then 1e-7, 3–4 iterations. Immutable; <see cref="Validate"/> names the field.
/// </summary>
public sealed record SpinConfig
{
    /// <summary>Self-play iterations (T). Default 3.</summary>
    public int Iterations { get; init; } = 3;

    /// <summary>Opponent answers per SFT prompt; each becomes a pair with the SFT answer. Default 1 (the paper's one y′ per x).</summary>
    public int SamplesPerPrompt { get; init; } = 1;

    /// <summary>How the opponent answers: default its own distribution (temperature 1) with up to 64 new tokens; the seed is offset per iteration.</summary>
    public SamplingParams Sampling { get; init; } = new() { Temperature = 1.0, MaxNewTokens = 64 };

    /// <summary>λ is β of <see cref="PairUpdateConfig.LossOptions"/>; the loss must be the logistic "sigmoid" for SPIN proper. Default λ = 0.1, 2 epochs, lr 5e-7.</summary>
    public PairUpdateConfig Update { get; init; } = new() { LossOptions = new() { Beta = 0.1 }, Epochs = 2, LearningRate = 5e-7 };

    /// <summary>Seed of shuffling, and of sampling when <see cref="Sampling"/> has none. Default 42.</summary>
    public ulong Seed { get; init; } = 42;

    /// <summary>Folder for metrics.jsonl (one line per iteration); null = no file.</summary>
    public string? OutputDir { get; init; }

    public SpinConfig Validate()
    {
        static void Require(bool ok, string field, object value, string fix)
        {
            if (!ok) throw new ArgumentException($"SpinConfig.{field} = {value}: {fix}");
        }
        Require(Iterations > 0, nameof(Iterations), Iterations, "must be > 0");
        Require(SamplesPerPrompt > 0, nameof(SamplesPerPrompt), SamplesPerPrompt, "must be > 0");
        Require(Sampling is not null, nameof(Sampling), "null", "give decoding settings");
        Require(Update is not null, nameof(Update), "null", "give the update settings");
        Update!.Validate($"{nameof(SpinConfig)}.{nameof(Update)}");
        return this;
    }
}
