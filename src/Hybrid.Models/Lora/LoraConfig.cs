// The settings of a LoRA adapter (Hu et al. 2021): rank, alpha, dropout and the layers it adapts, as PEFT names them.
using Hybrid.Models.Config;

namespace Hybrid.Models.Lora;

/// <summary>
/// LoRA on a decoder's Linear layers: each targeted W [out, in] gets A [r, in] and B [out, r], and computes
/// W x + s · B A x with s = α / r (or α / √r with rsLoRA). Field names and defaults follow PEFT's <c>LoraConfig</c>, so
/// the <c>adapter_config.json</c> written from it reads as PEFT's.
/// </summary>
public sealed record LoraConfig
{
    /// <summary>Every projection of a Qwen2/Llama layer; what <see cref="AllLinear"/> expands to (the LM head is never adapted).</summary>
    public static readonly IReadOnlyList<string> DecoderProjections = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>PEFT's shorthand for every Linear layer but the output head.</summary>
    public const string AllLinear = "all-linear";

    /// <summary>r, the adapter's rank. Default 8 (PEFT's); the LoRA paper found r = 4–8 enough on GPT-3 for q/v; 16–64 for all layers is common.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>α: the update is scaled by α / r, so changing r keeps the step size. Default 8 (PEFT's); α = 2r is a common choice.</summary>
    public double Alpha { get; init; } = 8;

    /// <summary>Dropout on the adapter's input during training. Default 0 (PEFT's); QLoRA used 0.05–0.1.</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// The Linear layers adapted, by their last name (<c>q_proj</c> …), or [<see cref="AllLinear"/>]. Default
    /// <c>q_proj, v_proj</c>, PEFT's default for Qwen2 and Llama (the LoRA paper's choice).
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];

    /// <summary>rsLoRA (Kalajdzievski 2023): scale by α / √r instead of α / r. Default false.</summary>
    public bool UseRsLora { get; init; }

    /// <summary>
    /// Store the frozen base's projection weights (those of <see cref="DecoderProjections"/>, adapted or not) in bf16, halving
    /// their memory; they then compute in bf16 (outside <c>--bf16</c> too) while the adapters, norms, embeddings and head
    /// stay float32. Default false. A training-time choice: not written to adapter_config.json (the saved adapter is float32).
    /// </summary>
    public bool Bf16Base { get; init; }

    /// <summary>s, the factor of B A.</summary>
    public double Scaling => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>The layer names adapted: <see cref="TargetModules"/> with <see cref="AllLinear"/> expanded.</summary>
    public IReadOnlyList<string> Targets => TargetModules.Contains(AllLinear) ? DecoderProjections : TargetModules;

    /// <summary>What a layer is, the last part of its dotted name: <c>model.layers.0.self_attn.q_proj</c> → <c>q_proj</c>.</summary>
    public static string KindOf(string layerName) => layerName[(layerName.LastIndexOf('.') + 1)..];

    /// <summary>True when the layer named <paramref name="layerName"/> is one of <see cref="Targets"/>.</summary>
    public bool Adapts(string layerName) => Targets.Contains(KindOf(layerName));

    /// <summary>Checks every field; errors name the field, the value and the fix.</summary>
    public LoraConfig Validate()
    {
        if (Rank < 1) throw new ConfigException($"LoraConfig.Rank = {Rank}: must be >= 1");
        if (!(Alpha > 0) || !double.IsFinite(Alpha)) throw new ConfigException($"LoraConfig.Alpha = {Alpha}: must be > 0");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ConfigException($"LoraConfig.Dropout = {Dropout}: must be in [0, 1)");
        if (TargetModules.Count == 0) throw new ConfigException($"LoraConfig.TargetModules is empty: name layers ({string.Join(", ", DecoderProjections)}) or {AllLinear}");
        foreach (string t in TargetModules)
            if (t != AllLinear && !DecoderProjections.Contains(t))
                throw new ConfigException($"LoraConfig.TargetModules: '{t}' is not a decoder projection; valid: {string.Join(", ", DecoderProjections)}, {AllLinear}");
        return this;
    }
}
