// The base of Hybrid's layers and models: a TorchSharp module whose parameters and sub-modules are registered explicitly.
using TorchSharp.Modules;

namespace Hybrid.Tensors.Layers;

/// <summary>
/// A <see cref="nn.Module"/> that registers its parameters and sub-modules by the names Hugging Face state dicts use
/// (<c>layers.0.self_attn.q_proj.weight</c>), in registration order, instead of TorchSharp's reflection over field names.
/// Layers read their parameters through <see cref="Param"/> on each use, so <c>module.to(dtype or device)</c>, which
/// replaces parameter objects, never leaves a layer holding a stale one. Parameters are owned by the module (outside
/// any dispose scope) and freed by <see cref="nn.Module.Dispose()"/>.
/// </summary>
public abstract class HybridModule : nn.Module
{
    protected HybridModule(string name) : base(name) { }

    /// <summary>Registration is explicit: nothing is picked up from fields.</summary>
    protected override void RegisterComponents() { }

    /// <summary>Registers <paramref name="module"/> as the sub-module <paramref name="name"/> and returns it.</summary>
    protected T RegisterModule<T>(string name, T module) where T : nn.Module
    {
        register_module(name, module);
        return module;
    }

    /// <summary>Takes ownership of <paramref name="tensor"/> as the parameter <paramref name="name"/> and returns it.</summary>
    protected Parameter RegisterParameter(string name, Tensor tensor, bool requiresGrad = true)
    {
        Parameter parameter = TensorUtil.NewParameter(tensor, requiresGrad);
        register_parameter(name, parameter);
        return parameter;
    }

    /// <summary>
    /// <c>module.to(dtype / device)</c>: converts sub-modules, then replaces each own floating-point parameter by a
    /// converted one (same name, same requires-grad, gradient dropped) and frees the old one.
    /// </summary>
    protected override void _toEpilog(ScalarType? dtype, Device? device, bool non_blocking)
    {
        foreach (var (_, child) in named_children())
        {
            if (dtype is { } d && device is not null) child.to(device, d, non_blocking);
            else if (dtype is { } d2) child.to(d2, non_blocking);
            else if (device is not null) child.to(device, non_blocking);
        }
        foreach (var (name, old) in named_parameters(recurse: false).ToList())
        {
            ScalarType type = dtype is { } t && old.dtype.IsFloat() ? t : old.dtype;
            if (type == old.dtype && (device is null || device.Equals(old.device))) continue;
            Tensor converted;
            using (no_grad()) { using Tensor detached = old.detach(); converted = detached.to(type, device ?? old.device).DetachFromDisposeScope(); }
            _internal_params[name] = TensorUtil.NewParameter(converted, old.requires_grad);
            old.Dispose();
        }
        if (device is not null) { _deviceType = device.type; _deviceIndex = device.index; }
    }

    /// <summary>This module's own parameter <paramref name="name"/> (as registered; current after <c>to()</c>).</summary>
    protected Parameter Param(string name) => _internal_params[name];

    /// <summary>This module's own parameter <paramref name="name"/>, or null when it was not registered.</summary>
    protected Parameter? OptionalParam(string name) => _internal_params.ContainsKey(name) ? _internal_params[name] : null;

    /// <summary>
    /// Copies values from <paramref name="state"/> into the parameters of the same name (converting dtype/device). With
    /// <paramref name="strict"/>, a missing or unexpected name throws; a shape mismatch always throws, naming every offender.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        Dictionary<string, Tensor> own = StateDict();
        var problems = new List<string>();
        foreach (var (name, p) in own)
        {
            if (!state.TryGetValue(name, out Tensor? src)) { if (strict) problems.Add($"missing '{name}'"); continue; }
            if (!src.shape.SequenceEqual(p.shape))
                problems.Add($"'{name}': shape [{string.Join(",", src.shape)}] does not match [{string.Join(",", p.shape)}]");
        }
        if (strict) problems.AddRange(state.Keys.Where(k => !own.ContainsKey(k)).Select(k => $"unexpected '{k}'"));
        if (problems.Count > 0) throw new ArgumentException("state dict does not fit the module: " + string.Join("; ", problems));
        using (no_grad())
            foreach (var (name, p) in own)
                if (state.TryGetValue(name, out Tensor? src)) p.copy_(src);
    }

    /// <summary>Name → parameter (the module's own tensors, not copies), in registration order.</summary>
    public Dictionary<string, Tensor> StateDict() => named_parameters().ToDictionary(p => p.name, p => (Tensor)p.parameter);

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount() => parameters().Sum(p => p.NumberOfElements);
}
