// Element-wise math, comparisons and matrix products on tensors (broadcasting as in PyTorch), with C# operators.
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

public sealed partial class Tensor
{
    // ---- unary ---------------------------------------------------------------------------------------------------------
    public Tensor Neg() => Wrap(NativeOps.hy_neg(Handle));
    public Tensor Abs() => Wrap(NativeOps.hy_abs(Handle));
    public Tensor Exp() => Wrap(NativeOps.hy_exp(Handle));
    public Tensor Log() => Wrap(NativeOps.hy_log(Handle));
    /// <summary>log(1 + x), accurate for small x.</summary>
    public Tensor Log1p() => Wrap(NativeOps.hy_log1p(Handle));
    public Tensor Sqrt() => Wrap(NativeOps.hy_sqrt(Handle));
    /// <summary>1 / sqrt(x).</summary>
    public Tensor Rsqrt() => Wrap(NativeOps.hy_rsqrt(Handle));
    /// <summary>σ(x) = 1 / (1 + e^-x).</summary>
    public Tensor Sigmoid() => Wrap(NativeOps.hy_sigmoid(Handle));
    /// <summary>log σ(x) = -softplus(-x), computed stably.</summary>
    public Tensor LogSigmoid() => Wrap(NativeOps.hy_log_sigmoid(Handle));
    /// <summary>SiLU (swish): x · σ(x).</summary>
    public Tensor Silu() => Wrap(NativeOps.hy_silu(Handle));
    public Tensor Relu() => Wrap(NativeOps.hy_relu(Handle));
    public Tensor Tanh() => Wrap(NativeOps.hy_tanh(Handle));
    public Tensor Cos() => Wrap(NativeOps.hy_cos(Handle));
    public Tensor Sin() => Wrap(NativeOps.hy_sin(Handle));
    public Tensor Sign() => Wrap(NativeOps.hy_sign(Handle));
    public Tensor LogicalNot() => Wrap(NativeOps.hy_logical_not(Handle));

    // ---- binary --------------------------------------------------------------------------------------------------------
    public Tensor Add(Tensor other) => Wrap(NativeOps.hy_add(Handle, other.Handle));
    public Tensor Add(double value) => Wrap(NativeOps.hy_add_scalar(Handle, value));
    public Tensor Sub(Tensor other) => Wrap(NativeOps.hy_sub(Handle, other.Handle));
    public Tensor Sub(double value) => Wrap(NativeOps.hy_add_scalar(Handle, -value));
    public Tensor Mul(Tensor other) => Wrap(NativeOps.hy_mul(Handle, other.Handle));
    public Tensor Mul(double value) => Wrap(NativeOps.hy_mul_scalar(Handle, value));
    public Tensor Div(Tensor other) => Wrap(NativeOps.hy_div(Handle, other.Handle));
    public Tensor Div(double value) => Wrap(NativeOps.hy_div_scalar(Handle, value));
    public Tensor Pow(Tensor exponent) => Wrap(NativeOps.hy_pow(Handle, exponent.Handle));
    public Tensor Pow(double exponent) => Wrap(NativeOps.hy_pow_scalar(Handle, exponent));
    public Tensor Maximum(Tensor other) => Wrap(NativeOps.hy_maximum(Handle, other.Handle));
    public Tensor Minimum(Tensor other) => Wrap(NativeOps.hy_minimum(Handle, other.Handle));

    /// <summary>Limits every element to [min, max]; either bound may be omitted.</summary>
    public Tensor Clamp(double? min = null, double? max = null) =>
        Wrap(NativeOps.hy_clamp(Handle, min.HasValue ? 1 : 0, min ?? 0, max.HasValue ? 1 : 0, max ?? 0));

    /// <summary>Copy of this tensor with <paramref name="value"/> wherever <paramref name="mask"/> (bool, broadcast) is true.</summary>
    public Tensor MaskedFill(Tensor mask, double value) => Wrap(NativeOps.hy_masked_fill(Handle, mask.Handle, value));

    /// <summary>Matrix product with PyTorch's matmul broadcasting rules.</summary>
    public Tensor MatMul(Tensor other) => Wrap(NativeOps.hy_matmul(Handle, other.Handle));
    /// <summary>Batched matrix product: [B, N, M] × [B, M, P] → [B, N, P].</summary>
    public Tensor Bmm(Tensor other) => Wrap(NativeOps.hy_bmm(Handle, other.Handle));

    // ---- comparisons (bool results) --------------------------------------------------------------------------------------
    public Tensor Eq(Tensor other) => Wrap(NativeOps.hy_eq(Handle, other.Handle));
    public Tensor Eq(double value) => Wrap(NativeOps.hy_eq_scalar(Handle, value));
    public Tensor Ne(Tensor other) => Wrap(NativeOps.hy_ne(Handle, other.Handle));
    public Tensor Ne(double value) => Wrap(NativeOps.hy_ne_scalar(Handle, value));
    public Tensor Lt(Tensor other) => Wrap(NativeOps.hy_lt(Handle, other.Handle));
    public Tensor Lt(double value) => Wrap(NativeOps.hy_lt_scalar(Handle, value));
    public Tensor Le(Tensor other) => Wrap(NativeOps.hy_le(Handle, other.Handle));
    public Tensor Le(double value) => Wrap(NativeOps.hy_le_scalar(Handle, value));
    public Tensor Gt(Tensor other) => Wrap(NativeOps.hy_gt(Handle, other.Handle));
    public Tensor Gt(double value) => Wrap(NativeOps.hy_gt_scalar(Handle, value));
    public Tensor Ge(Tensor other) => Wrap(NativeOps.hy_ge(Handle, other.Handle));
    public Tensor Ge(double value) => Wrap(NativeOps.hy_ge_scalar(Handle, value));
    public Tensor LogicalAnd(Tensor other) => Wrap(NativeOps.hy_logical_and(Handle, other.Handle));
    public Tensor LogicalOr(Tensor other) => Wrap(NativeOps.hy_logical_or(Handle, other.Handle));

    // ---- operators -----------------------------------------------------------------------------------------------------
    public static Tensor operator +(Tensor a, Tensor b) => a.Add(b);
    public static Tensor operator +(Tensor a, double b) => a.Add(b);
    public static Tensor operator +(double a, Tensor b) => b.Add(a);
    public static Tensor operator -(Tensor a, Tensor b) => a.Sub(b);
    public static Tensor operator -(Tensor a, double b) => a.Sub(b);
    public static Tensor operator -(double a, Tensor b) => Wrap(NativeOps.hy_rsub_scalar(b.Handle, a));
    public static Tensor operator *(Tensor a, Tensor b) => a.Mul(b);
    public static Tensor operator *(Tensor a, double b) => a.Mul(b);
    public static Tensor operator *(double a, Tensor b) => b.Mul(a);
    public static Tensor operator /(Tensor a, Tensor b) => a.Div(b);
    public static Tensor operator /(Tensor a, double b) => a.Div(b);
    public static Tensor operator /(double a, Tensor b) => Wrap(NativeOps.hy_rdiv_scalar(b.Handle, a));
    public static Tensor operator -(Tensor a) => a.Neg();

    // ---- in place (no autograd history on leaves: use under LibTorch.NoGrad()) --------------------------------------------
    /// <summary>Copies <paramref name="source"/> (broadcast, converted) into this tensor's storage.</summary>
    public Tensor CopyFrom(Tensor source) { TorchException.Check(NativeTensor.hy_tensor_copy_(Handle, source.Handle)); return this; }
    public Tensor FillInPlace(double value) { TorchException.Check(NativeTensor.hy_tensor_fill_(Handle, value)); return this; }
    public Tensor ZeroInPlace() => FillInPlace(0);
    /// <summary>this += alpha · other.</summary>
    public Tensor AddInPlace(Tensor other, double alpha = 1) { TorchException.Check(NativeTensor.hy_tensor_add_(Handle, other.Handle, alpha)); return this; }
    public Tensor MulInPlace(double value) { TorchException.Check(NativeTensor.hy_tensor_mul_scalar_(Handle, value)); return this; }
    /// <summary>Fills with samples of N(mean, std²) from the global generator.</summary>
    public Tensor NormalInPlace(double mean = 0, double std = 1) { TorchException.Check(NativeTensor.hy_tensor_normal_(Handle, mean, std)); return this; }
    /// <summary>Fills with samples of U(from, to) from the global generator.</summary>
    public Tensor UniformInPlace(double from, double to) { TorchException.Check(NativeTensor.hy_tensor_uniform_(Handle, from, to)); return this; }
}
