// One policy version as the rollout engine serves it: a loaded GenAI model, optionally with a named adapter active.
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Rollout;

/// <summary>
/// A GenAI <see cref="Model"/> shared by every policy version that runs on it (one per re-export; one for all adapter
/// versions). It is disposed — with its adapter container — and its versioned data file deleted once no version uses it:
/// ORT memory-maps external weights, so the file must outlive the model, never the other way round.
/// </summary>
internal sealed class LoadedModel(Model model, string? dataFileToDelete)
{
    private Adapters? _adapters;

    public Model Model { get; } = model;

    /// <summary>The versioned data file this model alone maps, deleted with it (set before the model is shared).</summary>
    public string? DataFileToDelete { get; set; } = dataFileToDelete;

    /// <summary>The adapter container of this model (created on first use).</summary>
    public Adapters Adapters => _adapters ??= new Adapters(Model);

    /// <summary>Policy versions installed on this model and not yet freed (guarded by the engine's lock).</summary>
    public int Users { get; set; }

    public void Free()
    {
        _adapters?.Dispose();
        Model.Dispose();
        if (DataFileToDelete is not null) File.Delete(DataFileToDelete);
    }
}

/// <summary>
/// Version <see cref="Version"/> of the policy: <see cref="Model"/> with adapter <see cref="AdapterName"/> active (null:
/// the model's own weights). Rollouts lease the current snapshot for their whole duration; a snapshot replaced by a
/// sync is freed (<see cref="OnFree"/>, then its model's use count drops) only when its last lease ends.
/// </summary>
internal sealed class PolicySnapshot(LoadedModel model, long version, string? adapterName = null, Action? onFree = null)
{
    public LoadedModel Model { get; } = model;

    public long Version { get; } = version;

    public string? AdapterName { get; } = adapterName;

    /// <summary>Frees what this version alone holds (e.g. unloads its adapter, deletes its file).</summary>
    public Action? OnFree { get; } = onFree;

    /// <summary>Rollouts running on this version (guarded by the engine's lock).</summary>
    public int Leases { get; set; }

    /// <summary>True once a newer version replaced it (guarded by the engine's lock).</summary>
    public bool Retired { get; set; }

    /// <summary>A generator on this version: adapter activated, ready for prompts.</summary>
    public Generator NewGenerator(GeneratorParams parameters)
    {
        var generator = new Generator(Model.Model, parameters);
        try
        {
            if (AdapterName is not null) generator.SetActiveAdapter(Model.Adapters, AdapterName);
        }
        catch
        {
            generator.Dispose();
            throw;
        }
        return generator;
    }
}
