// model.safetensors.index.json: which shard file of a sharded checkpoint holds each tensor; read from untrusted files.
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;

namespace Hybrid.Models.Checkpoints;

/// <summary>
/// The index of a sharded safetensors checkpoint, as transformers writes it:
/// <code>{"metadata": {"total_size": 123}, "weight_map": {"model.norm.weight": "model-00002-of-00002.safetensors", …}}</code>
/// Shard names must be plain file names inside the checkpoint folder: no directories, no <c>..</c>, no absolute paths.
/// </summary>
public sealed record SafeTensorsIndex(long? TotalSize, IReadOnlyDictionary<string, string> WeightMap)
{
    /// <summary>The index's file name in a checkpoint folder.</summary>
    public const string FileName = "model.safetensors.index.json";

    /// <summary>Largest index file accepted (a 1000-layer model's index is about 1 MB).</summary>
    public const long MaxIndexBytes = 64L << 20;

    /// <summary>The shard files in first-use order.</summary>
    public IReadOnlyList<string> Files => WeightMap.Values.Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Reads and validates an index file; every error names the file and the field or tensor.</summary>
    public static SafeTensorsIndex Read(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxIndexBytes) throw Bad(path, $"the file is {length} bytes, over the {MaxIndexBytes}-byte limit for an index");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllBytes(path)) as JsonObject ?? throw Bad(path, "the file is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw Bad(path, $"not valid JSON ({ex.Message})");
        }

        long? totalSize = null;
        if (root.TryGetPropertyValue("metadata", out JsonNode? metadata) && metadata is not null)
        {
            if (metadata is not JsonObject meta) throw Bad(path, "field 'metadata' is not an object");
            if (meta.TryGetPropertyValue("total_size", out JsonNode? total) && total is not null)
            {
                if (total.GetValueKind() != JsonValueKind.Number || !total.AsValue().TryGetValue(out long t) || t < 0)
                {
                    // transformers writes an integer, but some tools write a float: accept a whole non-negative number.
                    if (total.GetValueKind() == JsonValueKind.Number && total.GetValue<double>() is double d && d >= 0 && d <= long.MaxValue && double.IsInteger(d))
                        t = (long)d;
                    else
                        throw Bad(path, $"field 'metadata.total_size' = {total.ToJsonString()} is not a non-negative integer");
                }
                totalSize = t;
            }
        }

        if (!root.TryGetPropertyValue("weight_map", out JsonNode? mapNode) || mapNode is not JsonObject map)
            throw Bad(path, "field 'weight_map' is missing or not an object (expected {\"tensor name\": \"shard file\"})");
        if (map.Count == 0) throw Bad(path, "field 'weight_map' is empty");
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach ((string name, JsonNode? value) in map)
        {
            if (value is null || value.GetValueKind() != JsonValueKind.String)
                throw Bad(path, $"weight_map['{name}'] = {value?.ToJsonString() ?? "null"} is not a file name string");
            string file = value.GetValue<string>();
            CheckShardName(path, name, file);
            weightMap[name] = file;
        }
        return new SafeTensorsIndex(totalSize, weightMap);
    }

    /// <summary>Writes the index (weight_map sorted by tensor name, as transformers does) atomically.</summary>
    public void Write(string path)
    {
        var map = new JsonObject();
        foreach ((string name, string file) in WeightMap.OrderBy(p => p.Key, StringComparer.Ordinal)) map[name] = file;
        var root = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = TotalSize ?? 0 },
            ["weight_map"] = map,
        };
        AtomicFile.WriteText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>
    /// A shard must be a plain file name in the checkpoint folder: a hostile index must not make the loader open
    /// <c>../../secret</c> or <c>/etc/passwd</c>. (The file itself may be a symlink, as in a Hugging Face cache snapshot.)
    /// </summary>
    private static void CheckShardName(string indexPath, string tensor, string file)
    {
        bool plain = file.Length is > 0 and <= 255
            && file != "." && file != ".."
            && file.IndexOfAny(['/', '\\', '\0', ':']) < 0
            && !Path.IsPathRooted(file)
            && Path.GetFileName(file) == file;
        if (!plain)
            throw Bad(indexPath, $"weight_map['{tensor}'] = \"{file}\" is not a plain file name inside the checkpoint folder (no directories, '..' or absolute paths)");
        if (!file.EndsWith(".safetensors", StringComparison.Ordinal))
            throw Bad(indexPath, $"weight_map['{tensor}'] = \"{file}\" is not a .safetensors file");
    }

    private static CheckpointException Bad(string path, string what) => new($"{path}: {what}");
}
