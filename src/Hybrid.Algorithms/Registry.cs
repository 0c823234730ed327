// A name → factory table for one algorithm axis; unknown names fail listing the valid ones.

namespace Hybrid.Algorithms;

/// <summary>
/// The entries of one axis (preference loss, advantage estimator, policy loss, …) under their literature names
/// (<c>sigmoid</c>, <c>grpo</c>, <c>ppo_clip</c>, …). Lookups happen once when a trainer is configured, never in the hot loop.
/// </summary>
public sealed class Registry<T>(string axis)
{
    private readonly Dictionary<string, Func<T>> _factories = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);

    /// <summary>The axis's name as errors print it, e.g. "preference loss".</summary>
    public string Axis { get; } = axis;

    /// <summary>Every registered name, sorted.</summary>
    public IReadOnlyList<string> Names => _factories.Keys.Order(StringComparer.Ordinal).ToList();

    public Registry<T> Add(string name, Func<T> factory)
    {
        if (!_factories.TryAdd(name, factory)) throw new InvalidOperationException($"{Axis} '{name}' is registered twice");
        return this;
    }

    /// <summary>Another spelling of a registered name (verl's <c>token-mean</c> for <c>token_mean</c>); not listed in <see cref="Names"/>.</summary>
    public Registry<T> Alias(string alias, string name)
    {
        if (!_factories.ContainsKey(name)) throw new InvalidOperationException($"{Axis} alias '{alias}' names '{name}', which is not registered");
        if (_factories.ContainsKey(alias) || !_aliases.TryAdd(alias, name)) throw new InvalidOperationException($"{Axis} '{alias}' is registered twice");
        return this;
    }

    public bool Contains(string name) => _factories.ContainsKey(name) || _aliases.ContainsKey(name);

    /// <summary>The registered name <paramref name="name"/> stands for (itself, or the name an alias points to).</summary>
    public string Canonical(string name) => _aliases.TryGetValue(name, out string? target) ? target : name;

    /// <summary>A new instance of <paramref name="name"/> (or of the name an alias points to); an unknown name throws listing the known ones.</summary>
    public T Create(string name) =>
        _factories.TryGetValue(Canonical(name), out Func<T>? factory) ? factory()
        : throw new ArgumentException($"unknown {Axis} '{name}'; known: {string.Join(", ", Names)}", nameof(name));
}
