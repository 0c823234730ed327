// The base of every layer and model: named parameters and sub-modules, train/eval mode, state dicts, disposal.
namespace Hybrid.Torch.NN;

/// <summary>
/// A layer or model. It owns its parameters (created outside any scope, freed by <see cref="Dispose"/>) and its
/// sub-modules; names are dotted paths as in PyTorch state dicts (<c>layers.0.self_attn.q_proj.weight</c>).
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<(string Name, Tensor Tensor)> _parameters = new();
    private readonly List<(string Name, Module Module)> _modules = new();
    private bool _disposed;

    /// <summary>True in training mode (dropout active), false after <see cref="Eval"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Takes ownership of <paramref name="tensor"/> as a trainable parameter (requires grad) named <paramref name="name"/>.</summary>
    protected Tensor RegisterParameter(string name, Tensor tensor, bool requiresGrad = true)
    {
        if (_parameters.Exists(p => p.Name == name)) throw new ArgumentException($"parameter '{name}' is registered twice");
        tensor.DetachFromScope();
        tensor.RequiresGrad = requiresGrad;
        _parameters.Add((name, tensor));
        return tensor;
    }

    /// <summary>Takes ownership of a sub-module; its parameters appear under <c>name.</c>.</summary>
    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        if (_modules.Exists(m => m.Name == name)) throw new ArgumentException($"module '{name}' is registered twice");
        _modules.Add((name, module));
        return module;
    }

    /// <summary>Every parameter of this module and its sub-modules, with dotted names, in registration order.</summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        foreach (var (name, t) in _parameters) yield return (name, t);
        foreach (var (prefix, m) in _modules)
            foreach (var (name, t) in m.NamedParameters()) yield return ($"{prefix}.{name}", t);
    }

    public IReadOnlyList<Tensor> Parameters() => NamedParameters().Select(p => p.Parameter).ToList();

    /// <summary>Total number of parameter elements.</summary>
    public long ParameterCount() => NamedParameters().Sum(p => p.Parameter.NumEl);

    /// <summary>Name → parameter (the module's own tensors, not copies).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() => NamedParameters().ToDictionary(p => p.Name, p => p.Parameter);

    /// <summary>
    /// Copies values from <paramref name="state"/> into the parameters of the same name. With <paramref name="strict"/>,
    /// a missing or unexpected name, or a shape mismatch, throws naming every offender.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = StateDict();
        var problems = new List<string>();
        foreach (var (name, p) in own)
        {
            if (!state.TryGetValue(name, out Tensor? src)) { if (strict) problems.Add($"missing '{name}'"); continue; }
            if (!src.Shape.SequenceEqual(p.Shape))
                problems.Add($"'{name}': shape [{string.Join(",", src.Shape)}] does not match [{string.Join(",", p.Shape)}]");
        }
        if (strict) problems.AddRange(state.Keys.Where(k => !own.ContainsKey(k)).Select(k => $"unexpected '{k}'"));
        if (problems.Count > 0) throw new ArgumentException("state dict does not fit the module: " + string.Join("; ", problems));
        using (LibTorch.NoGrad())
            foreach (var (name, p) in own)
                if (state.TryGetValue(name, out Tensor? src)) p.CopyFrom(src);
    }

    /// <summary>
    /// Converts every floating-point parameter to <paramref name="dtype"/> in place (PyTorch's <c>module.to(dtype)</c>): the
    /// parameter tensors stay the same objects, so layers keep their references. Create optimizers afterwards.
    /// </summary>
    public Module To(DType dtype)
    {
        if (!dtype.IsFloatingPoint()) throw new ArgumentException($"parameters must stay floating point, not {dtype}", nameof(dtype));
        using var noGrad = LibTorch.NoGrad();
        foreach (var (_, p) in NamedParameters())
        {
            if (p.DType == dtype) continue;
            using Tensor converted = p.To(dtype).DetachFromScope();
            p.SetData(converted);
            p.ZeroGrad();
        }
        return this;
    }

    /// <summary>Drops every parameter's gradient.</summary>
    public void ZeroGrad()
    {
        foreach (var (_, p) in NamedParameters()) p.ZeroGrad();
    }

    public Module Train(bool on = true)
    {
        Training = on;
        foreach (var (_, m) in _modules) m.Train(on);
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Frees every parameter and sub-module.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, m) in _modules) m.Dispose();
        foreach (var (_, t) in _parameters) t.Dispose();
    }
}
