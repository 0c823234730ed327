// Hands the trainer's new weights to a rollout engine: one interface, two mechanisms (re-export, adapter).
using Hybrid.Rollout;

namespace Hybrid.Training.WeightSync;

/// <summary>
/// Bound to one <see cref="RolloutEngine"/>: <see cref="Push"/> turns the trainer's tensors into ONNX weight files and
/// has the engine install them as policy version <see cref="Version"/> + 1. Requests already running finish on the
/// version they started with.
/// Implementations: <see cref="ReExportWeightSync"/> (new data file + model reload) and <see cref="AdapterWeightSync"/>
/// (an .onnx_adapter over overridable initializers, no reload).
/// </summary>
public interface IWeightSync
{
    /// <summary>The mechanism's name for logs and benches ("reexport", "adapter").</summary>
    string Mechanism { get; }

    /// <summary>The engine's current policy version (0 = the exported weights; +1 per push).</summary>
    long Version { get; }

    /// <summary>
    /// Installs <paramref name="hfWeights"/> (Hugging Face names, as <c>DecoderModel.StateDict()</c>, any float dtype;
    /// read, not kept) as the next policy version. Pushes are serialised.
    /// </summary>
    void Push(IReadOnlyDictionary<string, Tensor> hfWeights);
}
