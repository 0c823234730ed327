// Turns Hugging Face decoder weights into the float32 initializers of the exported graph, in graph layout and naming.
using Hybrid.Models.Config;
using Hybrid.Models.Lora;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Export.Decoder;

/// <summary>One float32 initializer of the exported graph. <paramref name="Learned"/>: a trained weight (overridable), not a constant table.</summary>
internal sealed record GraphWeight(string Name, Tensor Value, bool Learned);

/// <summary>
/// The single source of the exported graph's float initializers: Linear weights [out, in] become MatMul weights
/// [in, out] (<c>model.layers.{i}.attn.q_proj.MatMul.weight</c>), biases become <c>….Add.bias</c>, norm and embedding
/// weights keep their Hugging Face names, and the rotary tables <c>model.rotary.cos_cache</c> / <c>sin_cache</c>
/// [context, D/2] are computed from the config. The optimized kernel packs q/k/v into one
/// <c>qkv_proj.MatMul.weight</c> [Dm, (H + 2·Hkv)·D]. A tied LM head has no initializer of its own: the graph transposes
/// <c>model.embed_tokens.weight</c>.
/// With a <see cref="LoraConfig"/> each adapted Linear also gets <c>….lora_A.MatMul.weight</c> = Aᵀ [in, r] and
/// <c>….lora_B.MatMul.weight</c> = s·Bᵀ [r, out]; these are then the only learned (overridable) weights, the frozen base
/// being constant. The packed q/k/v gets Aᵀ of its adapted members side by side [Dm, m·r] and a block-diagonal B
/// [m·r, (H + 2·Hkv)·D] (member j's s·Bᵀ at rows j·r…, at its own columns; zeros elsewhere).
/// </summary>
internal static class DecoderGraphWeights
{
    public const string Embedding = "model.embed_tokens.weight";
    public const string FinalNorm = "model.norm.weight";
    public const string LmHead = "lm_head.MatMul.weight";
    public const string CosCache = "model.rotary.cos_cache";
    public const string SinCache = "model.rotary.sin_cache";

    public static string Layer(int i) => $"model.layers.{i}";

    /// <summary>
    /// Caller-owned float32 tensors, in graph order. <paramref name="contextLength"/> = rows of the rotary tables;
    /// <paramref name="lmHead"/> false leaves out <c>lm_head</c> (the score model has none); <paramref name="lora"/>: the
    /// adapter whose <c>….lora_A.weight</c> / <c>….lora_B.weight</c> tensors <paramref name="hf"/> holds.
    /// </summary>
    public static List<GraphWeight> Build(DecoderConfig config, IReadOnlyDictionary<string, Tensor> hf, AttentionKernel kernel, int contextLength,
        bool lmHead = true, LoraConfig? lora = null)
    {
        config.Validate();
        if (lora is null && hf.Keys.FirstOrDefault(k => k.Contains(".lora_A.", StringComparison.Ordinal)) is string adapter)
            throw new ArgumentException($"weight '{adapter}' is a LoRA adapter: export with DecoderExportOptions.Lora, or merge the adapter first", nameof(hf));
        var result = new List<GraphWeight>();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            bool baseLearned = lora is null;  // under LoRA the base is frozen: only the adapters are learned
            void Keep(string name, Tensor value, bool? learned = null) =>
                result.Add(new GraphWeight(name, value.contiguous().DetachFromDisposeScope(), learned ?? baseLearned));
            Tensor Hf(string name) => hf.TryGetValue(name, out Tensor? t)
                ? t.to(ScalarType.Float32)
                : throw new ArgumentException($"weight '{name}' is missing: a {config.ModelType} model with this config needs every tensor of DecoderConfig.ParameterShapes()", nameof(hf));
            Tensor Matrix(string linear) => Hf(linear + ".weight").transpose(0, 1);  // [out, in] → [in, out]

            Keep(Embedding, Hf(Embedding).clone());                                            // [V, Dm]
            for (int i = 0; i < config.NumHiddenLayers; i++)
            {
                string hfLayer = $"model.layers.{i}", p = Layer(i);
                Keep($"{p}.input_layernorm.weight", Hf($"{hfLayer}.input_layernorm.weight").clone());
                if (kernel == AttentionKernel.Optimized)
                {
                    Tensor qkv = torch.cat([Matrix($"{hfLayer}.self_attn.q_proj"), Matrix($"{hfLayer}.self_attn.k_proj"), Matrix($"{hfLayer}.self_attn.v_proj")], 1);
                    Keep($"{p}.attn.qkv_proj.MatMul.weight", qkv);                             // [Dm, (H + 2·Hkv)·D]
                    if (config.QkvBias)
                        Keep($"{p}.attn.qkv_proj.Add.bias", torch.cat([Hf($"{hfLayer}.self_attn.q_proj.bias"), Hf($"{hfLayer}.self_attn.k_proj.bias"), Hf($"{hfLayer}.self_attn.v_proj.bias")], 0));
                }
                else
                {
                    foreach (string proj in new[] { "q_proj", "k_proj", "v_proj" })
                    {
                        Keep($"{p}.attn.{proj}.MatMul.weight", Matrix($"{hfLayer}.self_attn.{proj}"));  // [Dm, H·D] or [Dm, Hkv·D]
                        if (config.QkvBias) Keep($"{p}.attn.{proj}.Add.bias", Hf($"{hfLayer}.self_attn.{proj}.bias").clone());
                    }
                }
                Keep($"{p}.attn.o_proj.MatMul.weight", Matrix($"{hfLayer}.self_attn.o_proj"));  // [H·D, Dm]
                if (config.OutputProjectionBias) Keep($"{p}.attn.o_proj.Add.bias", Hf($"{hfLayer}.self_attn.o_proj.bias").clone());
                Keep($"{p}.post_attention_layernorm.weight", Hf($"{hfLayer}.post_attention_layernorm.weight").clone());
                Keep($"{p}.mlp.gate_proj.MatMul.weight", Matrix($"{hfLayer}.mlp.gate_proj"));  // [Dm, F]
                Keep($"{p}.mlp.up_proj.MatMul.weight", Matrix($"{hfLayer}.mlp.up_proj"));      // [Dm, F]
                Keep($"{p}.mlp.down_proj.MatMul.weight", Matrix($"{hfLayer}.mlp.down_proj"));  // [F, Dm]
            }
            Keep(FinalNorm, Hf(FinalNorm).clone());
            if (lmHead && !config.TieWordEmbeddings) Keep(LmHead, Matrix("lm_head"));                     // [Dm, V]

            (Tensor cos, Tensor sin) = RotaryTables(config, contextLength);
            Keep(CosCache, cos, learned: false);                                               // [context, D/2]
            Keep(SinCache, sin, learned: false);                                               // [context, D/2]
            if (lora is not null) result.AddRange(LoraWeights(config, hf, kernel, lora));
        }
        catch
        {
            foreach (GraphWeight w in result) w.Value.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// The LoRA initializers alone (all learned), caller-owned: what an adapter-only weight sync pushes, built without
    /// touching the base weights. Per adapted Linear <c>{prefix}.lora_A.MatMul.weight</c> = Aᵀ [in, r] and
    /// <c>{prefix}.lora_B.MatMul.weight</c> = s·Bᵀ [r, out]; for the optimized kernel's packed q/k/v one pair with the
    /// members' Aᵀ side by side and a block-diagonal B.
    /// </summary>
    public static List<GraphWeight> LoraWeights(DecoderConfig config, IReadOnlyDictionary<string, Tensor> hf, AttentionKernel kernel, LoraConfig lora)
    {
        var result = new List<GraphWeight>();
        try
        {
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            using var sc = new ScalarScope();
            void Keep(string name, Tensor value) => result.Add(new GraphWeight(name, value.contiguous().DetachFromDisposeScope(), Learned: true));
            Tensor Lora(string linear, string matrix) => hf.TryGetValue($"{linear}.{matrix}.weight", out Tensor? t)
                ? t.to(ScalarType.Float32).transpose(0, 1)                                 // A [r, in] → [in, r]; B [out, r] → [r, out]
                : throw new ArgumentException($"weight '{linear}.{matrix}.weight' is missing: the export's LoRA adapts {string.Join(", ", lora.Targets)}", nameof(hf));
            long Rows(string linear) => hf.TryGetValue(linear + ".weight", out Tensor? w) ? w.size(0)
                : throw new ArgumentException($"weight '{linear}.weight' is missing", nameof(hf));
            void Pair(string graphPrefix, string linear)
            {
                if (!lora.Adapts(linear)) return;
                Keep($"{graphPrefix}.lora_A.MatMul.weight", Lora(linear, "lora_A"));                       // [in, r]
                Keep($"{graphPrefix}.lora_B.MatMul.weight", Lora(linear, "lora_B").mul(sc[lora.Scaling]));  // [r, out]
            }
            for (int i = 0; i < config.NumHiddenLayers; i++)
            {
                string hfLayer = $"model.layers.{i}", p = Layer(i);
                if (kernel == AttentionKernel.Optimized)
                {
                    string[] members = new[] { "q_proj", "k_proj", "v_proj" }.Select(m => $"{hfLayer}.self_attn.{m}").ToArray();
                    int[] adapted = Enumerable.Range(0, members.Length).Where(m => lora.Adapts(members[m])).ToArray();
                    if (adapted.Length > 0)
                    {
                        int r = lora.Rank;
                        long[] widths = members.Select(Rows).ToArray();                                                  // H·D, Hkv·D, Hkv·D
                        Tensor blockB = torch.zeros(adapted.Length * r, widths.Sum());                                  // [m·r, (H + 2·Hkv)·D]
                        for (int j = 0; j < adapted.Length; j++)
                        {
                            int member = adapted[j];
                            blockB.narrow(0, j * r, r).narrow(1, widths.Take(member).Sum(), widths[member]).copy_(Lora(members[member], "lora_B").mul(sc[lora.Scaling]));
                        }
                        Keep($"{p}.attn.qkv_proj.lora_A.MatMul.weight", torch.cat(adapted.Select(m => Lora(members[m], "lora_A")).ToArray(), 1));  // [Dm, m·r]
                        Keep($"{p}.attn.qkv_proj.lora_B.MatMul.weight", blockB);
                    }
                }
                else
                    foreach (string proj in new[] { "q_proj", "k_proj", "v_proj" }) Pair($"{p}.attn.{proj}", $"{hfLayer}.self_attn.{proj}");
                Pair($"{p}.attn.o_proj", $"{hfLayer}.self_attn.o_proj");
                foreach (string proj in new[] { "gate_proj", "up_proj", "down_proj" }) Pair($"{p}.mlp.{proj}", $"{hfLayer}.mlp.{proj}");
            }
        }
        catch
        {
            foreach (GraphWeight w in result) w.Value.Dispose();
            throw;
        }
        return result;
    }

    /// <summary>
    /// cos/sin of <c>position · inv_freq[i]</c> for every position &lt; <paramref name="contextLength"/> and i &lt; D/2,
    /// [context, D/2], computed with the trainer's float32 arithmetic (inv_freq rounded to float32, the product and
    /// cos/sin in float32) so the graph's rotation equals the trainer's bit for bit or nearly.
    /// </summary>
    private static (Tensor Cos, Tensor Sin) RotaryTables(DecoderConfig config, int contextLength)
    {
        int d = config.HeadDim, half = d / 2;
        var invFreq = new float[half];
        for (int i = 0; i < half; i++) invFreq[i] = (float)(1.0 / Math.Pow(config.RopeTheta, 2.0 * i / d));
        using var sc = new ScalarScope();
        Tensor positions = torch.arange(sc[0L], sc[(long)contextLength], sc[1L]).to(ScalarType.Float32).unsqueeze(1);  // [context, 1]
        Tensor angles = positions * torch.tensor(invFreq).unsqueeze(0);                     // [context, D/2]
        return (angles.cos(), angles.sin());
    }
}
