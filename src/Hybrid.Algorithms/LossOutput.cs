// What every loss in Hybrid.Algorithms returns: the differentiable value and its metrics, together.

namespace Hybrid.Algorithms;

/// <summary>
/// <see cref="Loss"/>: a scalar [] tensor to call <c>Backward()</c> on (owned by the caller's scope).
/// <see cref="Metrics"/>: plain numbers named as TRL/verl log them (<c>rewards/margins</c>, <c>actor/pg_clipfrac</c>, …),
/// computed without gradients.
/// </summary>
public sealed record LossOutput(Tensor Loss, IReadOnlyDictionary<string, double> Metrics);
