// A dispose scope: every tensor created on this thread while the scope is innermost is freed when the scope ends.
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

/// <summary>
/// Owns the tensors created on its thread while it is the innermost scope, and frees them all on <see cref="Dispose"/>,
/// so a training step's intermediates never wait for the garbage collector (which does not see native memory).
/// Keep a result with <see cref="Tensor.MoveToOuterScope"/> or <see cref="Tensor.DetachFromScope"/>.
/// <code>
/// using (var scope = LibTorch.NewScope()) { var loss = Step(batch); total += loss.Item(); }  // all freed here
/// </code>
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly List<Tensor> _owned = new();
    private readonly TensorScope? _outer;
    private bool _disposed;

    internal TensorScope()
    {
        _outer = _current;
        _current = this;
    }

    /// <summary>The innermost scope of the calling thread, or null.</summary>
    internal static TensorScope? Current => _current;

    internal TensorScope? Outer => _outer;

    /// <summary>Number of tensors this scope still owns.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (Tensor t in _owned) if (ReferenceEquals(t.Owner, this) && !t.IsDisposed) n++;
            return n;
        }
    }

    internal void Add(Tensor tensor)
    {
        if (_disposed) throw new ObjectDisposedException(nameof(TensorScope));
        _owned.Add(tensor);
        tensor.Owner = this;
    }

    /// <summary>Frees every tensor still owned by this scope and makes the outer scope current again.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        if (!ReferenceEquals(_current, this))
            throw new InvalidOperationException("tensor scopes must be disposed innermost first, on the thread that created them");
        foreach (Tensor t in _owned)
            if (ReferenceEquals(t.Owner, this)) t.Dispose();
        _owned.Clear();
        _current = _outer;
        _disposed = true;
    }
}
