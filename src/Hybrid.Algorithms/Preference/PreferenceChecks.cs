// Shared plumbing of the preference losses: required-input checks, hyperparameter checks and the TRL metric set.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// What every preference loss does the same way: fetch a required <see cref="PreferenceInputs"/> field (or throw naming it),
/// check a hyperparameter (or throw naming it, its value and the fix), and compute the TRL metrics of a paired batch.
/// </summary>
internal static class PreferenceChecks
{
    /// <summary>
    /// <paramref name="tensor"/> when it is present and 1-D over the batch; otherwise an <see cref="ArgumentException"/> naming
    /// the <see cref="PreferenceInputs"/> field. <paramref name="batch"/> (when ≥ 0) is the batch size it must match.
    /// </summary>
    public static Tensor Batch(Tensor? tensor, string field, string loss, long batch = -1)
    {
        if (tensor is null)
            throw new ArgumentException($"preference loss '{loss}' needs PreferenceInputs.{field}, which is null; " +
                                        $"fill it ([B], see its doc comment) or pick a loss that does not read it", field);
        long[] shape = tensor.shape;
        if (shape.Length != 1 || (batch >= 0 && shape[0] != batch))
            throw new ArgumentException($"preference loss '{loss}': PreferenceInputs.{field} has shape [{string.Join(", ", shape)}]; " +
                                        $"it must be [B]{(batch >= 0 ? $" = [{batch}] like the first input" : "")}", field);
        if (shape[0] == 0)
            throw new ArgumentException($"preference loss '{loss}': PreferenceInputs.{field} is empty (B = 0); a batch needs at least one row", field);
        return tensor;
    }

    /// <summary>The paired policy and reference log-probs [B] each, all present and of one batch size.</summary>
    public static (Tensor Chosen, Tensor Rejected, Tensor RefChosen, Tensor RefRejected) WithReference(PreferenceInputs inputs, string loss)
    {
        Tensor chosen = Batch(inputs.ChosenLogps, nameof(PreferenceInputs.ChosenLogps), loss);
        long b = chosen.size(0);
        return (chosen,
                Batch(inputs.RejectedLogps, nameof(PreferenceInputs.RejectedLogps), loss, b),
                Batch(inputs.RefChosenLogps, nameof(PreferenceInputs.RefChosenLogps), loss, b),
                Batch(inputs.RefRejectedLogps, nameof(PreferenceInputs.RefRejectedLogps), loss, b));
    }

    /// <summary>The paired policy log-probs and token counts [B] each, all present and of one batch size.</summary>
    public static (Tensor Chosen, Tensor Rejected, Tensor ChosenTokens, Tensor RejectedTokens) WithLengths(PreferenceInputs inputs, string loss)
    {
        Tensor chosen = Batch(inputs.ChosenLogps, nameof(PreferenceInputs.ChosenLogps), loss);
        long b = chosen.size(0);
        return (chosen,
                Batch(inputs.RejectedLogps, nameof(PreferenceInputs.RejectedLogps), loss, b),
                Batch(inputs.ChosenTokens, nameof(PreferenceInputs.ChosenTokens), loss, b),
                Batch(inputs.RejectedTokens, nameof(PreferenceInputs.RejectedTokens), loss, b));
    }

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> naming the hyperparameter, its value and the fix unless <paramref name="ok"/>.</summary>
    public static double Require(bool ok, double value, string loss, string field, string fix) =>
        ok ? value : throw new ArgumentOutOfRangeException(field, value, $"preference loss '{loss}': {field} = {value} is invalid; {fix}");

    /// <summary>β: a finite number &gt; 0.</summary>
    public static double Beta(double beta, string loss, string usual) =>
        Require(double.IsFinite(beta) && beta > 0, beta, loss, "Beta", $"β must be a finite number > 0 (usual: {usual})");

    /// <summary>
    /// TRL's metrics of a paired batch, computed without gradients: <c>loss</c>, <c>rewards/chosen</c>, <c>rewards/rejected</c>,
    /// <c>rewards/margins</c>, <c>rewards/accuracies</c> (share of rows whose chosen reward is strictly higher),
    /// <c>logps/chosen</c>, <c>logps/rejected</c> (means of the summed log-probs as given).
    /// </summary>
    /// <param name="chosenRewards">[B] implicit reward of each chosen answer.</param>
    /// <param name="rejectedRewards">[B] implicit reward of each rejected answer.</param>
    /// <param name="chosenLogps">[B] summed policy log-probs of the chosen answers.</param>
    /// <param name="rejectedLogps">[B] summed policy log-probs of the rejected answers.</param>
    public static Dictionary<string, double> PairedMetrics(Tensor loss, Tensor chosenRewards, Tensor rejectedRewards,
                                                           Tensor chosenLogps, Tensor rejectedLogps)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor chosen = chosenRewards.detach();                          // [B]
        Tensor rejected = rejectedRewards.detach();                      // [B]
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["loss"] = loss.detach().ToDouble(),
            ["rewards/chosen"] = chosen.mean().ToDouble(),
            ["rewards/rejected"] = rejected.mean().ToDouble(),
            ["rewards/margins"] = (chosen - rejected).mean().ToDouble(),
            ["rewards/accuracies"] = chosen.gt(rejected).to(ScalarType.Float64).mean().ToDouble(),
            ["logps/chosen"] = chosenLogps.detach().mean().ToDouble(),
            ["logps/rejected"] = rejectedLogps.detach().mean().ToDouble(),
        };
    }

    /// <summary>The mean of a detached [B] tensor as a plain number.</summary>
    public static double MeanOf(Tensor values)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return values.detach().mean().ToDouble();
    }
}
