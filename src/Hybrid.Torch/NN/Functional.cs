// Stateless neural-network functions: embedding lookup, linear map, RMSNorm, cross-entropy, dropout.
using Hybrid.Torch.Interop;

namespace Hybrid.Torch.NN;

/// <summary>How a loss reduces its per-element values.</summary>
public enum Reduction { None = 0, Mean = 1, Sum = 2 }

/// <summary>Functional forms of the layers, for code that holds its own weights.</summary>
public static class Functional
{
    /// <summary>Rows of <paramref name="weight"/> [V, D] picked by int64 <paramref name="indices"/> [...] → [..., D].</summary>
    public static Tensor Embedding(Tensor weight, Tensor indices) => Tensor.Wrap(NativeNN.hy_embedding(weight.Handle, indices.Handle));

    /// <summary>y = x Wᵀ + b: x [..., in], weight [out, in], bias [out] or null → [..., out].</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) =>
        Tensor.Wrap(NativeNN.hy_linear(x.Handle, weight.Handle, bias?.Handle ?? IntPtr.Zero));

    /// <summary>RMSNorm (Zhang &amp; Sennrich 2019): y = x / sqrt(mean(x², last dim) + eps) · weight, computed in float32.</summary>
    public static Tensor RmsNorm(Tensor x, Tensor weight, double eps) => Tensor.Wrap(NativeNN.hy_rms_norm(x.Handle, weight.Handle, eps));

    /// <summary>
    /// Cross-entropy of <paramref name="logits"/> [N, C] against int64 class <paramref name="target"/> [N]:
    /// −log softmax(logits)[target]. Targets equal to <paramref name="ignoreIndex"/> contribute nothing and are left out
    /// of the mean's count. <paramref name="labelSmoothing"/> ε mixes the one-hot target with the uniform distribution.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, long ignoreIndex = -100, Reduction reduction = Reduction.Mean,
        double labelSmoothing = 0) =>
        Tensor.Wrap(NativeNN.hy_cross_entropy(logits.Handle, target.Handle, ignoreIndex, (int)reduction, labelSmoothing));

    /// <summary>Zeroes each element with probability p and scales the rest by 1/(1−p) when training; identity otherwise.</summary>
    public static Tensor Dropout(Tensor x, double p, bool training) => Tensor.Wrap(NativeNN.hy_dropout(x.Handle, p, training ? 1 : 0));
}
