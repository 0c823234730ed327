// Token embedding table: int64 ids → rows of a learned [V, D] matrix.
using TorchSharp.Modules;

namespace Hybrid.Tensors.Layers;

/// <summary>Weight [V, D] ~ N(0, 1) as PyTorch's nn.Embedding.</summary>
public sealed class Embedding : HybridModule
{
    public Embedding(long numEmbeddings, long dim) : base(nameof(Embedding))
    {
        using (no_grad()) RegisterParameter("weight", randn(numEmbeddings, dim));
    }

    public Parameter Weight => Param("weight");

    public Tensor Forward(Tensor ids) => Lookup(Weight, ids);

    /// <summary>ids [..] int64 in [0, V) → rows [.., D] of <paramref name="weight"/> [V, D].</summary>
    public static Tensor Lookup(Tensor weight, Tensor ids)
    {
        long[] shape = [.. ids.shape, weight.shape[1]];
        return weight.index_select(0, ids.reshape(-1)).view(shape);
    }
}
