// A LoRA model's base weights snapshotted before training, to prove afterwards that only the adapters trained.
using Hybrid.Models.Decoder;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Training.Tests.Online;

/// <summary>
/// Copies every non-adapter parameter of <paramref name="model"/> (asserting none requires gradients);
/// <see cref="AssertOnlyAdaptersTrained"/> then checks each is bit-for-bit unchanged and every lora_B moved off zero.
/// </summary>
internal sealed class FrozenBase(DecoderModel model) : IDisposable
{
    private readonly Dictionary<string, Tensor> _weights = Snapshot(model);

    private static Dictionary<string, Tensor> Snapshot(DecoderModel model)
    {
        Dictionary<string, Tensor> weights = model.named_parameters().Where(p => !p.name.Contains("lora_"))
            .ToDictionary(p => p.name, p => p.parameter.detach().clone());
        Assert.All(weights.Keys, name => Assert.False(model.get_parameter(name)!.requires_grad, $"{name} is trainable"));
        return weights;
    }

    public void AssertOnlyAdaptersTrained()
    {
        foreach (var (name, value) in _weights)
            Assert.True(value.data<float>().SequenceEqual(model.get_parameter(name)!.data<float>()), $"{name} changed: the base must stay frozen");
        using (NewDisposeScope())
            Assert.All(model.named_parameters().Where(p => p.name.Contains("lora_B")),
                       p => Assert.True(p.parameter.abs().max().item<float>() > 0, $"{p.name} never moved off zero"));
    }

    public void Dispose()
    {
        foreach (Tensor t in _weights.Values) t.Dispose();
    }
}
