// KTO ("kto"): a prospect-theory loss on unpaired good/bad completions, relative to a batch estimate of the KL.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// KTO (Ethayarajh, Xu, Muennighoff, Jurafsky, Kiela 2024, "KTO: Model Alignment as Prospect Theoretic Optimization",
/// arXiv:2402.01306), in TRL's form. Each row is one completion y of a prompt x labelled desirable or undesirable:
/// <code>
/// r(x, y) = log π_θ(y|x) − log π_ref(y|x)                                  (summed log-probs)
/// z₀      = max(0, mean_i [log π_θ(y′_i|x_i) − log π_ref(y′_i|x_i)])       (mismatched pairs; no gradient)
/// loss_i  = λ_D · (1 − σ(β·(r_i − z₀)))   if y_i is desirable
///           λ_U · (1 − σ(β·(z₀ − r_i)))   if y_i is undesirable
/// L       = mean over all rows of loss_i                                     (= E[λ_y − v(x, y)])
/// </code>
/// z₀ is the reference point: the batch's estimate of KL(π_θ ‖ π_ref) from completions paired with the wrong prompts
/// (<see cref="PreferenceInputs.KlLogps"/>, <see cref="PreferenceInputs.RefKlLogps"/>), clamped at 0 and detached.
/// <para>Metrics: <c>loss</c>, <c>kl</c> (z₀), <c>count/chosen</c>, <c>count/rejected</c>, and — when the batch holds rows of
/// that label — <c>rewards/chosen</c>, <c>logps/chosen</c> (means over desirable rows of β·r and of the summed log-prob),
/// <c>rewards/rejected</c>, <c>logps/rejected</c> (undesirable rows), and <c>rewards/margins</c> when both exist.</para>
/// <para>Hyperparameters: β = 0.1 (the paper and TRL; Zephyr found 0.01 best), λ_D = λ_U = 1; keep
/// λ_D·n_D / (λ_U·n_U) within [1, 4/3] (the paper's advice for imbalanced data).</para>
/// </summary>
public sealed class KtoLoss : IPreferenceLoss
{
    public const double DefaultBeta = 0.1;
    public const double DefaultWeight = 1.0;

    public KtoLoss(double beta = DefaultBeta, double desirableWeight = DefaultWeight, double undesirableWeight = DefaultWeight)
    {
        Beta = PreferenceChecks.Beta(beta, Name, "0.1");
        DesirableWeight = PreferenceChecks.Require(double.IsFinite(desirableWeight) && desirableWeight > 0, desirableWeight, Name,
            "DesirableWeight", "λ_D must be a finite number > 0 (usual: 1)");
        UndesirableWeight = PreferenceChecks.Require(double.IsFinite(undesirableWeight) && undesirableWeight > 0, undesirableWeight, Name,
            "UndesirableWeight", "λ_U must be a finite number > 0 (usual: 1)");
    }

    public string Name => "kto";

    public double Beta { get; }

    /// <summary>λ_D, the weight of desirable rows.</summary>
    public double DesirableWeight { get; }

    /// <summary>λ_U, the weight of undesirable rows.</summary>
    public double UndesirableWeight { get; }

    public PreferenceDataKind DataKind => PreferenceDataKind.Unpaired;

    public bool NeedsReference => true;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        Tensor logps = PreferenceChecks.Batch(inputs.Logps, nameof(PreferenceInputs.Logps), Name);                  // [B]
        long b = logps.size(0);
        Tensor refLogps = PreferenceChecks.Batch(inputs.RefLogps, nameof(PreferenceInputs.RefLogps), Name, b);      // [B]
        Tensor desirable = PreferenceChecks.Batch(inputs.Desirable, nameof(PreferenceInputs.Desirable), Name, b);   // [B] bool
        if (desirable.dtype != ScalarType.Bool)
            throw new ArgumentException($"preference loss '{Name}': PreferenceInputs.Desirable must be bool, not {desirable.dtype}",
                                        nameof(PreferenceInputs.Desirable));
        Tensor klLogps = PreferenceChecks.Batch(inputs.KlLogps, nameof(PreferenceInputs.KlLogps), Name);            // [B′]
        Tensor refKlLogps = PreferenceChecks.Batch(inputs.RefKlLogps, nameof(PreferenceInputs.RefKlLogps), Name, klLogps.size(0)); // [B′]

        using var sc = new ScalarScope();
        Tensor z0;                                                       // [] reference point, no gradient
        using (no_grad()) z0 = (klLogps.detach() - refKlLogps.detach()).mean().clamp(min: sc[0]);
        Tensor ratio = logps - refLogps;                                 // [B] r(x, y)
        Tensor desirableLosses = sc.RSub(1, ((ratio - z0) * sc[Beta]).sigmoid());    // [B] 1 − σ(β(r − z₀))
        Tensor undesirableLosses = sc.RSub(1, ((z0 - ratio) * sc[Beta]).sigmoid());  // [B] 1 − σ(β(z₀ − r))
        Tensor losses = torch.where(desirable, desirableLosses * sc[DesirableWeight], undesirableLosses * sc[UndesirableWeight]);  // [B]
        Tensor loss = losses.mean();                                     // []
        return new LossOutput(loss.MoveToOuterDisposeScope(), Metrics(loss, z0, ratio, logps, desirable));
    }

    private Dictionary<string, double> Metrics(Tensor loss, Tensor z0, Tensor ratio, Tensor logps, Tensor desirable)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var sc = new ScalarScope();
        Tensor good = desirable.to(ScalarType.Float64);                      // [B] 1 for desirable rows
        Tensor bad = sc.RSub(1, good);                                   // [B] 1 for undesirable rows
        Tensor rewards = ratio.detach().to(ScalarType.Float64) * sc[Beta];    // [B] β·r
        Tensor logp = logps.detach().to(ScalarType.Float64);                  // [B]
        double nGood = good.sum().ToDouble(), nBad = bad.sum().ToDouble();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["loss"] = loss.detach().ToDouble(),
            ["kl"] = z0.ToDouble(),
            ["count/chosen"] = nGood,
            ["count/rejected"] = nBad,
        };
        if (nGood > 0)
        {
            metrics["rewards/chosen"] = (rewards * good).sum().ToDouble() / nGood;
            metrics["logps/chosen"] = (logp * good).sum().ToDouble() / nGood;
        }
        if (nBad > 0)
        {
            metrics["rewards/rejected"] = (rewards * bad).sum().ToDouble() / nBad;
            metrics["logps/rejected"] = (logp * bad).sum().ToDouble() / nBad;
        }
        if (nGood > 0 && nBad > 0) metrics["rewards/margins"] = metrics["rewards/chosen"] - metrics["rewards/rejected"];
        return metrics;
    }
}
