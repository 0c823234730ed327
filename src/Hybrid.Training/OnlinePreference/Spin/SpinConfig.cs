// Settings of SPIN: self-play iterations over SFT data with the previous iterate as opponent and reference.

namespace Hybrid.Training.OnlinePreference.Spin;

/// <summary>
/// SPIN (Chen et al. 2024, arXiv 2401.01335): at iteration t the opponent p_θt (the policy at the start of the
/// iteration) answers every SFT prompt; the new policy minimises
/// <c>E[ℓ(λ log p_θ(y|x)/p_θt(y|x) − λ log p_θ(y′|x)/p_θt(y′|x))]</c> with y the SFT answer, y′ the opponent's and the
/// logistic ℓ(z) = log(1 + e^−z): DPO's sigmoid loss with β = λ and π_ref = p_θt. Paper settings: λ = 0.1, 2 epochs per
/// iteration, lr 5e-7 (iterations 0–1) then 1e-7, 3–4 iterations. Immutable; <see cref="Validate"/> names the field.
/// </summary>
public sealed record SpinConfig : OnlinePreferenceArguments
{
    /// <summary>
    /// Defaults: T = 3 iterations, one opponent answer per SFT prompt (the paper's one y′ per x, each paired with the SFT
    /// answer), sampled from the opponent's own distribution (temperature 1) with up to 64 new tokens; λ = β = 0.1 with the
    /// logistic "sigmoid" loss, 2 epochs, lr 5e-7.
    /// </summary>
    public SpinConfig()
    {
        Iterations = 3;
        SamplesPerPrompt = 1;
        Sampling = new() { Temperature = 1.0, MaxNewTokens = 64 };
        Update = new() { LossOptions = new() { Beta = 0.1 }, Epochs = 2, LearningRate = 5e-7 };
    }

    public SpinConfig Validate()
    {
        ValidateShared(1, "must be > 0");
        return this;
    }
}
