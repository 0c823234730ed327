// Token embedding table: int64 ids → rows of a learned [V, D] matrix.
namespace Hybrid.Torch.NN;

/// <summary>A [numEmbeddings, dim] table initialised N(0, 1) as PyTorch's nn.Embedding; ids [...] → [..., dim].</summary>
public sealed class Embedding : Module
{
    public Tensor Weight { get; }

    public Embedding(long numEmbeddings, long dim)
    {
        using (LibTorch.NoGrad())
            Weight = RegisterParameter("weight", LibTorch.Randn([numEmbeddings, dim]));
    }

    public Tensor Forward(Tensor ids) => Functional.Embedding(Weight, ids);
}
