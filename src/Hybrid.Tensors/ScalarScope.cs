// Owns the TorchSharp Scalars a computation passes to libtorch, so none can be finalized while an op still reads it.

namespace Hybrid.Tensors;

/// <summary>
/// TorchSharp turns every .NET number given to a tensor op (<c>t * 0.5</c>, <c>t.clamp(0, 1)</c>, <c>t.ne(0)</c>) into a
/// <see cref="Scalar"/> that nothing owns: its native value is freed by its finalizer. Once the JIT has optimized the
/// calling code, that Scalar is unreachable while the op still runs in native code, so a garbage collection started by
/// any other thread can free it mid-op — libtorch then fails with "Unknown scalar type" or reads a freed value
/// (reproduced here on TorchSharp 0.107: about one op in a thousand under a concurrent allocating thread).
/// A <see cref="ScalarScope"/> makes the number explicit and owned instead: <c>sc[0.5]</c> creates the Scalar, keeps it
/// reachable until the scope is disposed, and then frees it deterministically. Use one per method:
/// <code>
/// using var sc = new ScalarScope();
/// Tensor clipped = ratio.clamp(sc[1 - eps], sc[1 + eps]) * sc[0.5];
/// </code>
/// The values are converted exactly as TorchSharp's implicit conversions do (double → float64 Scalar, int → int32,
/// long → int64, bool → bool), so results are bit-identical. A test scans Hybrid's assemblies and fails on any implicit
/// Scalar conversion or TorchSharp overload that makes one.
/// </summary>
public sealed class ScalarScope : IDisposable
{
    private readonly List<Scalar> _owned = [];

    public Scalar this[double value] => Own(value.ToScalar());

    public Scalar this[float value] => Own(value.ToScalar());

    public Scalar this[int value] => Own(value.ToScalar());

    public Scalar this[long value] => Own(value.ToScalar());

    public Scalar this[bool value] => Own(value.ToScalar());

    /// <summary>
    /// <paramref name="value"/> − <paramref name="t"/>, computed as TorchSharp's <c>value - t</c> is (−t + value) but with
    /// owned Scalars: that operator adds with an implicit alpha of 1 that nothing owns.
    /// </summary>
    public torch.Tensor RSub(double value, torch.Tensor t) => t.negative().add(this[value], this[1]);

    private Scalar Own(Scalar scalar)
    {
        _owned.Add(scalar);
        return scalar;
    }

    public void Dispose()
    {
        foreach (Scalar s in _owned) s.Dispose();
        _owned.Clear();
    }
}
