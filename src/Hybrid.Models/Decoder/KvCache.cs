// The key/value cache of incremental decoding: per layer the rotated keys and the values of every token seen so far.

namespace Hybrid.Models.Decoder;

/// <summary>
/// Keys (after the rotary embedding) and values of every token a <see cref="DecoderModel"/> has processed with this cache,
/// per layer, plus the attention mask of those tokens, so that the next call attends to them without recomputing them.
/// Made by <see cref="DecoderModel.NewCache"/>; each forward with the cache appends its tokens.
/// <para>
/// The cache owns its tensors (outside any <see cref="DisposeScope"/>) and must be disposed. Decode under
/// <c>torch.no_grad()</c>: with gradients on, the cached tensors keep every earlier step's autograd graph alive.
/// A forward that throws part-way leaves the cache inconsistent; dispose it and start again.
/// </para>
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly Tensor?[] _keys;    // per layer [B, Hkv, S, D] rotated keys
    private readonly Tensor?[] _values;  // per layer [B, Hkv, S, D]
    private Tensor? _mask;               // [B, S] int64, 1 = real token, 0 = pad
    private bool _disposed;

    internal KvCache(int layers)
    {
        _keys = new Tensor?[layers];
        _values = new Tensor?[layers];
    }

    /// <summary>Number of tokens cached per row (pads included): S.</summary>
    public long Length { get; private set; }

    /// <summary>Rows of the batch, or 0 before the first forward.</summary>
    public long BatchSize => _mask?.size(0) ?? 0;

    /// <summary>The attention mask of the cached tokens [B, S] int64, or null while empty. Owned by the cache.</summary>
    internal Tensor? Mask => _mask;

    /// <summary>
    /// Starts a forward of <paramref name="newMask"/>.Size(1) tokens: appends their mask [B, T] (int64 or bool) and returns
    /// the mask of all S + T tokens [B, S + T] (owned by the cache). <see cref="Length"/> becomes S + T.
    /// </summary>
    internal Tensor AppendMask(Tensor newMask)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_mask is not null && _mask.size(0) != newMask.size(0))
            throw new ArgumentException($"the cache holds {_mask.size(0)} rows but the input has {newMask.size(0)}; use one cache per batch (DecoderModel.NewCache)");
        Tensor mask = newMask.dtype == ScalarType.Int64 ? newMask : newMask.to(ScalarType.Int64);  // [B, T]
        Tensor full = _mask is null ? mask.clone() : torch.cat([_mask, mask], 1);       // [B, S + T]
        Replace(ref _mask, full);
        Length = full.size(1);
        return full;
    }

    /// <summary>
    /// Appends one layer's new keys and values [B, Hkv, T, D] and returns all of them [B, Hkv, S + T, D] (owned by the
    /// cache: valid until the next append).
    /// </summary>
    internal (Tensor Keys, Tensor Values) Append(int layer, Tensor keys, Tensor values)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Tensor? oldKeys = _keys[layer], oldValues = _values[layer];                                    // [B, Hkv, S, D] or null
        Tensor allKeys = oldKeys is null ? keys.alias() : torch.cat([oldKeys, keys], 2);          // [B, Hkv, S + T, D]
        Tensor allValues = oldValues is null ? values.alias() : torch.cat([oldValues, values], 2);  // [B, Hkv, S + T, D]
        if (allKeys.size(2) != Length)
            throw new InvalidOperationException($"layer {layer} would cache {allKeys.size(2)} tokens but the mask has {Length}; a forward with this cache failed part-way — start a new cache");
        Replace(ref _keys[layer], allKeys);
        Replace(ref _values[layer], allValues);
        return (allKeys, allValues);
    }

    /// <summary>Frees every cached tensor; the cache is empty and unusable afterwards.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        for (int i = 0; i < _keys.Length; i++)
        {
            _keys[i]?.Dispose();
            _values[i]?.Dispose();
        }
        _mask?.Dispose();
        Length = 0;
    }

    private static void Replace(ref Tensor? slot, Tensor value)
    {
        value.DetachFromDisposeScope();
        slot?.Dispose();
        slot = value;
    }
}
