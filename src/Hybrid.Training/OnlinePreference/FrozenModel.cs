// A frozen copy of a decoder's current weights: the reference model of an offline preference run.
using Hybrid.Models.Decoder;
using Hybrid.Models.Lora;

namespace Hybrid.Training.OnlinePreference;

/// <summary>Frozen copies of a decoder: the reference of an offline preference run (Step-DPO).</summary>
internal static class FrozenModel
{
    /// <summary>
    /// A plain copy of <paramref name="model"/>'s current weights with gradients off, in eval mode (caller disposes); a
    /// model with LoRA adapters is copied with them merged (W + s · B A), the policy as one set of weights.
    /// </summary>
    public static DecoderModel Copy(DecoderModel model)
    {
        var copy = new DecoderModel(model.Config);
        LoraLayers.CopyMerged(model, copy);
        foreach (Tensor p in copy.parameters()) p.requires_grad_(false);
        copy.eval();
        return copy;
    }
}
