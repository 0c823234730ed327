// Autograd on a tensor: requires-grad flag, backward, the accumulated gradient, detach; and dtype conversion/copies.
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

public sealed partial class Tensor
{
    /// <summary>Whether autograd records operations on this tensor (set it on leaves such as parameters).</summary>
    public bool RequiresGrad
    {
        get
        {
            int v = NativeTensor.hy_tensor_requires_grad(Handle);
            if (v < 0) TorchException.ThrowLast();
            return v == 1;
        }
        set => TorchException.Check(NativeTensor.hy_tensor_set_requires_grad(Handle, value ? 1 : 0));
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor.</summary>
    public Tensor RequiresGradInPlace(bool value = true)
    {
        RequiresGrad = value;
        return this;
    }

    /// <summary>
    /// A new handle to the accumulated gradient, or null when none exists. The handle is owned like any new tensor
    /// (by the current scope); it shares storage with the gradient itself.
    /// </summary>
    public unsafe Tensor? Grad
    {
        get
        {
            IntPtr g;
            TorchException.Check(NativeTensor.hy_tensor_grad(Handle, &g));
            return g == IntPtr.Zero ? null : new Tensor(g);
        }
    }

    /// <summary>Drops the accumulated gradient (as PyTorch's zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad() => TorchException.Check(NativeTensor.hy_tensor_zero_grad(Handle));

    /// <summary>Back-propagates from this tensor (a scalar unless <paramref name="gradient"/> is given) into the leaves' gradients.</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false) =>
        TorchException.Check(NativeTensor.hy_tensor_backward(Handle, gradient?.Handle ?? IntPtr.Zero, retainGraph ? 1 : 0));

    /// <summary>
    /// Makes this tensor hold <paramref name="source"/>'s data, dtype and shape while staying the same tensor (the same
    /// parameter, the same leaf): PyTorch's <c>param.data = source</c>.
    /// </summary>
    public void SetData(Tensor source) => TorchException.Check(NativeTensor.hy_tensor_set_data(Handle, source.Handle));

    /// <summary>The same data outside the autograd graph.</summary>
    public Tensor Detach() => Wrap(NativeTensor.hy_tensor_detach(Handle));

    /// <summary>A second handle to this very tensor (same storage, same autograd identity), owned separately.</summary>
    public Tensor Alias() => Wrap(NativeTensor.hy_tensor_alias(Handle));

    /// <summary>A deep copy (differentiable).</summary>
    public Tensor Clone() => Wrap(NativeTensor.hy_tensor_clone(Handle));

    /// <summary>This tensor when it is float32/float64 (no copy, same handle), else a float32 copy: for numerically sensitive steps.</summary>
    public Tensor AtLeastFloat32()
    {
        DType dtype = DType;
        return dtype.AtLeastFloat32() == dtype ? this : To(dtype.AtLeastFloat32());
    }

    /// <summary>Converted to <paramref name="dtype"/> (differentiable between floating types).</summary>
    public Tensor To(DType dtype) => Wrap(NativeTensor.hy_tensor_to_dtype(Handle, (int)dtype));
}
