// Hugging Face's `_init_weights` for Llama/Qwen2: matrices ~ N(0, initializer_range), biases 0, norm weights 1.
using Hybrid.Torch;
using Hybrid.Torch.NN;

namespace Hybrid.Models.Decoder;

/// <summary>
/// Re-initialises a module's parameters as <c>PreTrainedModel._init_weights</c> does for these families, drawing from
/// libtorch's global generator (seed it with <see cref="LibTorch.ManualSeed"/>): every 2-D weight (Linear and Embedding)
/// ~ N(0, <see cref="InitializerRange"/>²), every bias 0, every 1-D weight (RMSNorm) 1.
/// The embedding's pad row is not zeroed (HF zeroes it when <c>padding_idx</c> is set; it matters only before training).
/// </summary>
internal static class HfInitialization
{
    /// <summary><c>initializer_range</c>: 0.02, the Qwen2Config and LlamaConfig default (config.json rarely changes it).</summary>
    public const double InitializerRange = 0.02;

    public static void Apply(Module module, double std = InitializerRange)
    {
        using var noGrad = LibTorch.NoGrad();
        foreach (var (name, p) in module.NamedParameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal) || name == "bias") p.ZeroInPlace();
            else if (p.Dim >= 2) p.NormalInPlace(0, std);
            else p.FillInPlace(1);
        }
    }
}
