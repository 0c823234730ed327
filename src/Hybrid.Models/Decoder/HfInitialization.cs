// Hugging Face's `_init_weights` for Llama/Qwen2: matrices ~ N(0, initializer_range), biases 0, norm weights 1.
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Decoder;

/// <summary>
/// Re-initialises a module's parameters as <c>PreTrainedModel._init_weights</c> does for these families, drawing from
/// libtorch's global generator (seed it with <c>torch.manual_seed</c>): every 2-D weight (Linear and Embedding)
/// ~ N(0, <see cref="InitializerRange"/>²), every bias 0, every 1-D weight (RMSNorm) 1.
/// The embedding's pad row is not zeroed (HF zeroes it when <c>padding_idx</c> is set; it matters only before training).
/// </summary>
internal static class HfInitialization
{
    /// <summary><c>initializer_range</c>: 0.02, the Qwen2Config and LlamaConfig default (config.json rarely changes it).</summary>
    public const double InitializerRange = 0.02;

    public static void Apply(nn.Module module, double std = InitializerRange)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();  // frees the wrappers the in-place initialisers return
        using var sc = new ScalarScope();
        foreach (var (name, p) in module.named_parameters())
        {
            if (name.EndsWith(".bias", StringComparison.Ordinal) || name == "bias") p.zero_();
            else if (p.dim() >= 2) p.normal_(0, std);
            else p.fill_(sc[1]);
        }
    }
}
