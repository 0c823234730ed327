// A LoRA adapter folder as PEFT writes and reads it: adapter_config.json and adapter_model.safetensors.
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;
using Hybrid.Models.Checkpoints;
using Hybrid.Tensors.Serialization;

namespace Hybrid.Models.Lora;

/// <summary>
/// PEFT's files: <c>adapter_config.json</c> (<c>peft_type: LORA</c>, <c>r</c>, <c>lora_alpha</c>, <c>lora_dropout</c>,
/// <c>target_modules</c>, <c>use_rslora</c>, <c>base_model_name_or_path</c>, …) and <c>adapter_model.safetensors</c> whose
/// keys are the model's parameter names under <c>base_model.model.</c>, without the adapter's name:
/// <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c> [r, in] and <c>….lora_B.weight</c> [out, r].
/// Both files are untrusted: what PEFT can express but this reader cannot apply (per-layer ranks, bias training, DoRA, a
/// regular-expression target) is refused with the field named, never approximated.
/// A reward model's adapter (<c>task_type: SEQ_CLS</c>) also carries its fully trained score head, as PEFT saves a
/// <c>modules_to_save</c> layer: <c>base_model.model.score.weight</c> [1, Dm].
/// </summary>
public static class LoraAdapterFile
{
    public const string ConfigFile = "adapter_config.json";
    public const string WeightsFile = "adapter_model.safetensors";
    public const string KeyPrefix = "base_model.model.";
    public const string CausalLm = "CAUSAL_LM", SequenceClassification = "SEQ_CLS";

    /// <summary>The score head a SEQ_CLS adapter saves whole (PEFT's <c>modules_to_save</c>), by model parameter name.</summary>
    public const string ScoreHead = "score.weight";

    /// <summary>True when the adapter folder's task_type is SEQ_CLS: it adapts a reward model (base + score head).</summary>
    public static bool IsSequenceClassifier(string dir)
    {
        string path = Path.Combine(Path.GetFullPath(dir), ConfigFile);
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject json && json["task_type"] is JsonValue v
                   && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == SequenceClassification;
        }
        catch (JsonException e) { throw new CheckpointException($"{path}: not valid JSON ({e.Message})"); }
    }

    /// <summary>True when <paramref name="dir"/> is an adapter folder (it has adapter_config.json).</summary>
    public static bool IsAdapterFolder(string dir) =>
        File.Exists(Path.Combine(dir, ConfigFile)) && !File.Exists(Path.Combine(dir, HfCheckpoint.SingleWeightsFile));

    /// <summary>The adapter's settings and the base checkpoint it was trained on (as written: absolute, or relative to the folder).</summary>
    public static (LoraConfig Config, string BaseModel) ReadConfig(string dir)
    {
        string path = Path.Combine(Path.GetFullPath(dir), ConfigFile);
        JsonObject json;
        try { json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new CheckpointException($"{path}: expected a JSON object"); }
        catch (JsonException e) { throw new CheckpointException($"{path}: not valid JSON ({e.Message})"); }
        string Where(string field) => $"{path}: field '{field}'";
        T? Get<T>(string field)
        {
            try { return json[field] is { } node ? node.GetValue<T>() : default; }
            catch (Exception e) when (e is InvalidOperationException or FormatException) { throw new CheckpointException($"{Where(field)} has the wrong type ({json[field]!.ToJsonString()})"); }
        }
        if (Get<string>("peft_type") is not "LORA") throw new CheckpointException($"{Where("peft_type")} is '{Get<string>("peft_type")}': only LORA adapters are supported");
        if (Get<string>("bias") is string bias && bias != "none") throw new CheckpointException($"{Where("bias")} is '{bias}': adapters that train biases are not supported (use bias: none)");
        if (Get<bool>("fan_in_fan_out")) throw new CheckpointException($"{Where("fan_in_fan_out")} is true: transposed (Conv1D) layers are not supported");
        if (Get<string>("task_type") is string task && task != CausalLm && task != SequenceClassification)
            throw new CheckpointException($"{Where("task_type")} is '{task}': only {CausalLm} and {SequenceClassification} adapters are supported");
        if (Get<bool>("use_dora")) throw new CheckpointException($"{Where("use_dora")} is true: DoRA adapters are not supported");
        foreach (string pattern in new[] { "rank_pattern", "alpha_pattern" })
            if (json[pattern] is JsonObject { Count: > 0 }) throw new CheckpointException($"{Where(pattern)} sets per-layer values: not supported (one r and lora_alpha for every layer)");
        if (json["layers_to_transform"] is JsonNode layers && layers.GetValueKind() != JsonValueKind.Null)
            throw new CheckpointException($"{Where("layers_to_transform")}: adapting only some layers is not supported");
        string[] targets = json["target_modules"] switch
        {
            JsonArray list => list.Select(n => n?.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : throw new CheckpointException($"{Where("target_modules")}: expected names")).ToArray(),
            JsonValue v when v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() == LoraConfig.AllLinear => [LoraConfig.AllLinear],
            JsonValue v when v.GetValueKind() == JsonValueKind.String => throw new CheckpointException($"{Where("target_modules")} is the pattern '{v.GetValue<string>()}': give a list of layer names"),
            _ => throw new CheckpointException($"{Where("target_modules")} is missing"),
        };
        var config = new LoraConfig
        {
            Rank = Get<int>("r") is int r and > 0 ? r : throw new CheckpointException($"{Where("r")} must be a positive integer"),
            Alpha = json["lora_alpha"] is null ? throw new CheckpointException($"{Where("lora_alpha")} is missing") : Get<double>("lora_alpha"),
            Dropout = Get<double>("lora_dropout"),
            TargetModules = targets,
            UseRsLora = Get<bool>("use_rslora"),
        };
        try { config.Validate(); }
        catch (Hybrid.Models.Config.ConfigException e) { throw new CheckpointException($"{path}: {e.Message}"); }
        string baseModel = Get<string>("base_model_name_or_path") is { Length: > 0 } b ? b
            : throw new CheckpointException($"{Where("base_model_name_or_path")} is missing: the adapter does not say which checkpoint it adapts");
        return (config, baseModel);
    }

    /// <summary>The base checkpoint's folder: <c>base_model_name_or_path</c> as given when absolute, else relative to the adapter folder.</summary>
    public static string ResolveBase(string adapterDir, string baseModel) =>
        Path.IsPathRooted(baseModel) ? baseModel : Path.GetFullPath(Path.Combine(Path.GetFullPath(adapterDir), baseModel));

    /// <summary>
    /// The adapter's tensors by model parameter name (the <c>base_model.model.</c> prefix removed), as float32; every key
    /// must be a <c>lora_A</c>/<c>lora_B</c> weight, or the score head (<see cref="ScoreHead"/>). Owned by the caller.
    /// </summary>
    public static Dictionary<string, Tensor> ReadWeights(string dir)
    {
        string path = Path.Combine(Path.GetFullPath(dir), WeightsFile);
        if (!File.Exists(path)) throw new CheckpointException($"{path}: not found (an adapter folder needs its weights)");
        Dictionary<string, Tensor> stored = SafeTensors.Load(path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var (key, t) in stored)
            {
                if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) || !(key.EndsWith(".lora_A.weight", StringComparison.Ordinal) || key.EndsWith(".lora_B.weight", StringComparison.Ordinal)
                                                                               || key == KeyPrefix + ScoreHead))
                    throw new CheckpointException($"{path}: tensor '{key}' is not a LoRA weight ({KeyPrefix}….lora_A.weight or ….lora_B.weight)");
                if (t.dim() != 2) throw new CheckpointException($"{path}: tensor '{key}' has {t.dim()} dimensions, a LoRA matrix has 2");
                Tensor f32 = t.to_type(ScalarType.Float32).contiguous().DetachFromDisposeScope();
                tensors[key[KeyPrefix.Length..]] = f32;
                using (Tensor finite = f32.isfinite().all())
                    if (!finite.item<bool>()) throw new CheckpointException($"{path}: tensor '{key}' holds a non-finite value: the adapter is broken");
            }
        }
        catch
        {
            foreach (Tensor t in tensors.Values) t.Dispose();
            throw;
        }
        finally
        {
            foreach (Tensor t in stored.Values) t.Dispose();
        }
        return tensors;
    }

    /// <summary>
    /// Writes the adapter folder: <paramref name="weights"/> (model parameter names, e.g. <c>model.layers.0.self_attn.q_proj.lora_A.weight</c>)
    /// under PEFT's keys, and adapter_config.json naming <paramref name="baseModel"/>; each file written to a temporary name and renamed.
    /// <paramref name="sequenceClassifier"/>: a reward model's adapter (SEQ_CLS), whose weights include <see cref="ScoreHead"/>.
    /// </summary>
    public static void Write(string dir, LoraConfig config, string baseModel, IEnumerable<KeyValuePair<string, Tensor>> weights, bool sequenceClassifier = false)
    {
        Directory.CreateDirectory(dir);
        SafeTensors.Save(Path.Combine(dir, WeightsFile), weights.Select(kv => KeyValuePair.Create(KeyPrefix + kv.Key, kv.Value)),
                         new Dictionary<string, string> { ["format"] = "pt" });
        var json = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["task_type"] = sequenceClassifier ? SequenceClassification : CausalLm,
            ["base_model_name_or_path"] = baseModel,
            ["r"] = config.Rank,
            ["lora_alpha"] = config.Alpha,
            ["lora_dropout"] = config.Dropout,
            ["target_modules"] = new JsonArray(config.Targets.Select(t => (JsonNode)t).ToArray()),   // all-linear written expanded, as PEFT saves it
            ["bias"] = "none",
            ["use_rslora"] = config.UseRsLora,
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["modules_to_save"] = sequenceClassifier ? new JsonArray("score") : null,
        };
        AtomicFile.WriteText(Path.Combine(dir, ConfigFile), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
