// A weighted sum of preference losses (TRL's loss_type list with loss_weights), e.g. DPO + NLL = "sigmoid:1,nll:0.2".
using System.Globalization;

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// L = Σ_k w_k · L_k over member losses that read the same <see cref="PreferenceDataKind"/> (as TRL's <c>loss_type</c> list
/// with <c>loss_weights</c>, used for MPO-style mixes and DPO+NLL).
/// <para>Metrics: <c>loss</c> is the weighted total and <c>{name}/loss</c> each member's unweighted loss. Any other metric
/// produced by one member only keeps its name; one produced by several members is prefixed by each member's name
/// (<c>sigmoid/rewards/chosen</c>, <c>simpo/rewards/chosen</c>), except <c>logps/chosen</c> and <c>logps/rejected</c>,
/// which every paired loss computes identically (mean summed log-prob) and are kept once.</para>
/// <para><see cref="NeedsReference"/> is true when any member needs the reference model.</para>
/// </summary>
public sealed class CombinedPreferenceLoss : IPreferenceLoss
{
    private static readonly HashSet<string> SharedMetrics = new(StringComparer.Ordinal) { "logps/chosen", "logps/rejected" };

    private readonly (IPreferenceLoss Loss, double Weight)[] _members;

    /// <summary>Members with their weights: at least one, distinct names, one data kind, weights finite and &gt; 0.</summary>
    public CombinedPreferenceLoss(IEnumerable<(IPreferenceLoss Loss, double Weight)> members)
    {
        _members = members.ToArray();
        if (_members.Length == 0) throw new ArgumentException("a combined preference loss needs at least one member", nameof(members));
        foreach ((IPreferenceLoss loss, double weight) in _members)
            if (!double.IsFinite(weight) || weight <= 0)
                throw new ArgumentOutOfRangeException(nameof(members), weight,
                    $"the weight of preference loss '{loss.Name}' is {weight.ToString(CultureInfo.InvariantCulture)}; it must be a finite number > 0 (drop the member instead of weighting it 0)");
        string? duplicate = _members.GroupBy(m => m.Loss.Name).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
            throw new ArgumentException($"preference loss '{duplicate}' appears twice in one combination; give it one weight", nameof(members));
        PreferenceDataKind kind = _members[0].Loss.DataKind;
        foreach ((IPreferenceLoss loss, _) in _members)
            if (loss.DataKind != kind)
                throw new ArgumentException($"preference losses '{_members[0].Loss.Name}' ({kind}) and '{loss.Name}' ({loss.DataKind}) read " +
                                            "different data and cannot be combined", nameof(members));
        DataKind = kind;
        NeedsReference = _members.Any(m => m.Loss.NeedsReference);
        Name = string.Join(",", _members.Select(m => $"{m.Loss.Name}:{m.Weight.ToString(CultureInfo.InvariantCulture)}"));
    }

    public CombinedPreferenceLoss(params (IPreferenceLoss Loss, double Weight)[] members)
        : this((IEnumerable<(IPreferenceLoss Loss, double Weight)>)members) { }

    /// <summary>The spec it parses from, e.g. "sigmoid:1,nll:0.2".</summary>
    public string Name { get; }

    public PreferenceDataKind DataKind { get; }

    public bool NeedsReference { get; }

    /// <summary>The members and their weights, in order.</summary>
    public IReadOnlyList<(IPreferenceLoss Loss, double Weight)> Members => _members;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        var outputs = new LossOutput[_members.Length];
        Tensor? total = null;                                            // [] Σ_k w_k·L_k
        for (int k = 0; k < _members.Length; k++)
        {
            outputs[k] = _members[k].Loss.Compute(inputs);
            Tensor term = outputs[k].Loss * sc[_members[k].Weight];      // []
            total = total is null ? term : total.add(term, sc[1]);
        }
        Tensor loss = total!;
        return new LossOutput(loss.MoveToOuterDisposeScope(), MergeMetrics(loss, outputs));
    }

    private Dictionary<string, double> MergeMetrics(Tensor loss, LossOutput[] outputs)
    {
        var producers = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (LossOutput output in outputs)
            foreach (string key in output.Metrics.Keys)
                producers[key] = producers.GetValueOrDefault(key) + 1;

        var merged = new Dictionary<string, double>(StringComparer.Ordinal);
        using (no_grad()) merged["loss"] = loss.detach().ToDouble();
        for (int k = 0; k < outputs.Length; k++)
        {
            string name = _members[k].Loss.Name;
            foreach ((string key, double value) in outputs[k].Metrics)
            {
                if (key == "loss") merged[$"{name}/loss"] = value;
                else if (producers[key] == 1 || SharedMetrics.Contains(key)) merged.TryAdd(key, value);
                else merged[$"{name}/{key}"] = value;
            }
        }
        return merged;
    }
}
