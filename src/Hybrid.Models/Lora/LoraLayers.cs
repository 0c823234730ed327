// Attaching, reading, loading and merging the LoRA adapters of a model's Linear layers.
using Hybrid.Models.Checkpoints;
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Lora;

/// <summary>
/// LoRA over a whole model (a decoder, or a reward model's decoder): <see cref="Attach"/> adds an adapter to every Linear
/// whose last name is a target and freezes every other parameter, so only A and B have gradients and optimizer state.
/// Adapter parameter names are the model's own (<c>model.layers.0.self_attn.q_proj.lora_A.weight</c>);
/// <see cref="LoraAdapterFile"/> adds PEFT's <c>base_model.model.</c> prefix on disk.
/// </summary>
public static class LoraLayers
{
    /// <summary>The adapted layers by name (<c>model.layers.0.self_attn.q_proj</c>), in the model's order.</summary>
    public static IReadOnlyList<(string Name, Linear Layer)> Adapted(HybridModule model) =>
        model.named_modules().Where(m => m.module is Linear { LoraA: not null }).Select(m => (m.name, (Linear)m.module)).ToList();

    /// <summary>
    /// Freezes every parameter of <paramref name="model"/> and attaches an adapter to each Linear named by
    /// <see cref="LoraConfig.Targets"/> (never a <c>lm_head</c> or a <c>score</c> head, never a LoRA matrix itself).
    /// Returns the number of layers adapted; none is an error naming the targets. A's initial values come from libtorch's
    /// generator, seeded first with <paramref name="seed"/> when it is given (so a run's --seed fixes its adapters' start).
    /// </summary>
    public static int Attach(HybridModule model, LoraConfig config, ulong? seed = null)
    {
        config.Validate();
        foreach (var p in model.parameters()) p.requires_grad_(false);
        var targets = model.named_modules()
            .Where(m => m.module is Linear && !m.name.Contains(".lora_", StringComparison.Ordinal) && config.Adapts(m.name))
            .Select(m => (Linear)m.module).ToList();
        if (targets.Count == 0) throw new ArgumentException($"LoRA: no Linear layer named {string.Join(", ", config.Targets)} in the model");
        if (config.Bf16Base)
            foreach (var (_, module) in model.named_modules().Where(m => m.module is Linear && LoraConfig.DecoderProjections.Contains(LoraConfig.KindOf(m.name))))
                ((Linear)module).StoreFrozenAs(ScalarType.BFloat16);   // the adapters, attached below, stay float32
        if (seed is ulong s) TensorUtil.ManualSeed(s);
        foreach (Linear layer in targets)
        {
            layer.AttachLora(config.Rank, config.Alpha, config.Dropout);
            if (config.UseRsLora) layer.SetLoraScaling(config.Scaling);
        }
        return targets.Count;
    }

    /// <summary>The adapters' tensors by parameter name (<c>….lora_A.weight</c>, <c>….lora_B.weight</c>): the model's own, not copies.</summary>
    public static IReadOnlyList<KeyValuePair<string, Tensor>> AdapterState(HybridModule model) =>
        model.named_parameters().Where(p => p.name.Contains(".lora_A.", StringComparison.Ordinal) || p.name.Contains(".lora_B.", StringComparison.Ordinal))
             .Select(p => KeyValuePair.Create(p.name, (Tensor)p.parameter)).ToList();

    /// <summary>The parameters an optimizer should see: those with gradients (the adapters under LoRA, everything otherwise).</summary>
    public static IEnumerable<TorchSharp.Modules.Parameter> Trainable(HybridModule model) => model.parameters().Where(p => p.requires_grad);

    /// <summary>Copies adapter tensors (model parameter names) into the attached adapters; a missing, extra or misshapen one is an error naming it.</summary>
    public static void Load(HybridModule model, IReadOnlyDictionary<string, Tensor> weights, string source)
    {
        var own = AdapterState(model).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
        foreach (string key in weights.Keys)
            if (!own.ContainsKey(key)) throw new CheckpointException($"{source}: tensor '{key}' matches no adapted layer of the model");
        using var noGrad = no_grad();
        foreach (var (key, p) in own)
        {
            if (!weights.TryGetValue(key, out Tensor? t)) throw new CheckpointException($"{source}: tensor '{key}' is missing");
            if (!t.shape.SequenceEqual(p.shape))
                throw new CheckpointException($"{source}: tensor '{key}' has shape [{string.Join(",", t.shape)}], the layer needs [{string.Join(",", p.shape)}]");
            p.copy_(t);
        }
    }

    /// <summary>
    /// Loads <paramref name="source"/>'s weights into <paramref name="target"/>, a plain model of the same config, with every
    /// adapter merged (W + s · B A): the policy as one set of weights, for a frozen reference or SPIN's opponent. A source
    /// without adapters is copied as is. <paramref name="source"/> is not changed.
    /// </summary>
    public static void CopyMerged(HybridModule source, HybridModule target)
    {
        using var noGrad = no_grad();
        CopyBase(source, target);
        Dictionary<string, Tensor> merged = target.StateDict();
        foreach (var (name, layer) in Adapted(source))
        {
            using var scope = NewDisposeScope();
            using var sc = new ScalarScope();
            merged[name + ".weight"].add_(layer.LoraB!.Weight.matmul(layer.LoraA!.Weight).mul(sc[layer.LoraScaling]), sc[1]);   // [out, r] @ [r, in]
        }
    }

    /// <summary>
    /// Loads <paramref name="source"/>'s weights without its adapters into <paramref name="target"/>, a plain model of the
    /// same config: the frozen base as the source holds it (bf16 when stored so), which is the policy before any update.
    /// </summary>
    public static void CopyBase(HybridModule source, HybridModule target)
    {
        using var noGrad = no_grad();
        target.LoadStateDict(source.StateDict().Where(kv => !kv.Key.Contains(".lora_A.", StringComparison.Ordinal) && !kv.Key.Contains(".lora_B.", StringComparison.Ordinal))
                                               .ToDictionary(kv => kv.Key, kv => kv.Value));
    }

    /// <summary>Folds every adapter into its layer's weight (W += s · B A) and removes it; the model is a plain model again (still frozen).</summary>
    public static void Merge(HybridModule model)
    {
        foreach (var (_, layer) in Adapted(model)) layer.MergeLora();
    }

    /// <summary>
    /// Merges an adapter folder's weights into checkpoint tensors (Hugging Face names, float32): for each adapted layer
    /// <c>{name}.weight</c> += s · B A. Every A needs its B, and both must fit the weight ([r, in] and [out, r]).
    /// </summary>
    public static void MergeInto(Dictionary<string, Tensor> tensors, LoraConfig config, IReadOnlyDictionary<string, Tensor> adapter, string source)
    {
        foreach (string aKey in adapter.Keys.Where(k => k.EndsWith(".lora_A.weight", StringComparison.Ordinal)))
        {
            string layer = aKey[..^".lora_A.weight".Length];
            string bKey = layer + ".lora_B.weight", wKey = layer + ".weight";
            if (!adapter.TryGetValue(bKey, out Tensor? b)) throw new CheckpointException($"{source}: tensor '{aKey}' has no '{bKey}'");
            if (!tensors.TryGetValue(wKey, out Tensor? w)) throw new CheckpointException($"{source}: tensor '{aKey}' adapts '{wKey}', which the base checkpoint does not have");
            Tensor a = adapter[aKey];
            if (a.shape[0] != config.Rank || b.shape[1] != config.Rank || a.shape[1] != w.shape[1] || b.shape[0] != w.shape[0])
                throw new CheckpointException($"{source}: '{aKey}' [{string.Join(",", a.shape)}] and '{bKey}' [{string.Join(",", b.shape)}] do not fit " +
                                             $"'{wKey}' [{string.Join(",", w.shape)}] at r = {config.Rank}");
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            using var sc = new ScalarScope();
            w.add_(b.matmul(a).mul(sc[config.Scaling]), sc[1]);             // [out, r] @ [r, in] → [out, in]
        }
        foreach (string bKey in adapter.Keys.Where(k => k.EndsWith(".lora_B.weight", StringComparison.Ordinal)))
            if (!adapter.ContainsKey(bKey[..^".lora_B.weight".Length] + ".lora_A.weight"))
                throw new CheckpointException($"{source}: tensor '{bKey}' has no matching lora_A");
    }
}
