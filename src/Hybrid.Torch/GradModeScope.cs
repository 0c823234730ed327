// Switches autograd recording on or off for the calling thread and restores the previous mode on dispose.
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

/// <summary><c>using (LibTorch.NoGrad()) { ... }</c>: no autograd graph is built inside; the previous mode returns after.</summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool _previous;

    internal GradModeScope(bool enabled)
    {
        _previous = NativeRuntime.hy_grad_enabled() == 1;
        NativeRuntime.hy_set_grad_enabled(enabled ? 1 : 0);
    }

    public void Dispose() => NativeRuntime.hy_set_grad_enabled(_previous ? 1 : 0);
}
