// Counts refused optimizer steps and stops a run whose steps keep failing, before it can save a broken model.

namespace Hybrid.Training.Stability;

/// <summary>A run stopped because its optimizer steps kept failing; the message says when, why and what to change.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);

/// <summary>
/// One per run. <see cref="Record"/> takes each optimizer step's outcome (<see cref="GuardedOptimizerStep"/>): a refused
/// step (non-finite loss or gradients, or a zero gradient norm) is skipped and counted in <see cref="SkippedSteps"/>; after
/// <see cref="MaxConsecutiveSkips"/> refused steps in a row the run throws <see cref="TrainingDivergedException"/>, so the
/// trainer never writes its final model (checkpoints saved earlier stay as they were). An isolated bad batch is skipped
/// and training goes on.
/// </summary>
public sealed class DivergenceGuard(string command, int maxConsecutiveSkips = DivergenceGuard.DefaultMaxConsecutiveSkips)
{
    /// <summary>Refused steps in a row that end a run (8: a few bad batches pass, a diverged model does not).</summary>
    public const int DefaultMaxConsecutiveSkips = 8;

    private int _consecutive;

    public int MaxConsecutiveSkips { get; } = maxConsecutiveSkips > 0 ? maxConsecutiveSkips : throw new ArgumentOutOfRangeException(nameof(maxConsecutiveSkips));

    /// <summary>Refused steps so far in this run (the <c>skipped_steps</c> metric).</summary>
    public int SkippedSteps { get; private set; }

    /// <summary>Optimizer steps recorded so far in this run.</summary>
    public long Steps { get; private set; }

    /// <summary>Steps in a row refused up to now (a resumable checkpoint carries it with <see cref="SkippedSteps"/> and <see cref="Steps"/>).</summary>
    public int ConsecutiveSkips => _consecutive;

    /// <summary>Continues a resumed run's counts, as they were when its checkpoint was written.</summary>
    public void Restore(long steps, int skippedSteps, int consecutiveSkips) => (Steps, SkippedSteps, _consecutive) = (steps, skippedSteps, consecutiveSkips);

    /// <summary>Records the run's next step (numbered by <see cref="Steps"/>); see <see cref="Record(bool, long, double, double)"/>.</summary>
    public void Record(bool applied, double loss, double gradNorm) => Record(applied, Steps + 1, loss, gradNorm);

    /// <summary>Records the outcome of step <paramref name="step"/>; throws once <see cref="MaxConsecutiveSkips"/> steps in a row were refused.</summary>
    public void Record(bool applied, long step, double loss, double gradNorm)
    {
        Steps++;
        if (applied) { _consecutive = 0; return; }
        SkippedSteps++;
        if (++_consecutive < MaxConsecutiveSkips) return;
        string why = !double.IsFinite(loss) ? $"the loss is {loss}"
            : !double.IsFinite(gradNorm) ? $"the gradient norm is {gradNorm}"
            : "the gradient norm is 0 (the activations overflowed or the model collapsed)";
        throw new TrainingDivergedException(
            $"{command}: training diverged — {_consecutive} optimizer steps in a row up to step {step} were skipped because {why}; " +
            "the final model was not written (earlier checkpoints are kept). Lower --lr or --max-grad-norm, or check the data.");
    }
}
