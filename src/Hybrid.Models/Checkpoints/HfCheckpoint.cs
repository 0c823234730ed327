// Loads and saves a decoder checkpoint as a Hugging Face model folder (config.json, safetensors shards, tokenizer files).
using Hybrid.Models.Config;
using Hybrid.Tensors.Serialization;

namespace Hybrid.Models.Checkpoints;

/// <summary>A checkpoint read by <see cref="HfCheckpoint.Load"/>. Disposing it frees every tensor still in <see cref="Tensors"/>.</summary>
public sealed class LoadedCheckpoint : IDisposable
{
    /// <summary>The folder's config.json.</summary>
    public required DecoderConfig Config { get; init; }

    /// <summary>
    /// Every tensor of <c>Config.ParameterShapes()</c>, by Hugging Face name, as contiguous float32 whatever the file's
    /// dtype. Owned by the caller (in no <see cref="DisposeScope"/>): copy them into a model and dispose them, or remove
    /// the ones you keep before disposing this object.
    /// </summary>
    public required Dictionary<string, Tensor> Tensors { get; init; }

    /// <summary>The folder's generation_config.json, or null when it has none.</summary>
    public GenerationConfig? Generation { get; init; }

    /// <summary>The checkpoint folder (full path); its tokenizer files can be opened with <c>Tokenizer.Open</c>.</summary>
    public required string Directory { get; init; }

    public void Dispose()
    {
        foreach (Tensor t in Tensors.Values) t.Dispose();
    }
}

/// <summary>How <see cref="HfCheckpoint.Save"/> writes a checkpoint.</summary>
public sealed record SaveOptions
{
    /// <summary>Stored dtype of the weights: <see cref="ScalarType.Float32"/> (default, exact) or <see cref="ScalarType.BFloat16"/> (half the size; round-to-nearest-even).</summary>
    public ScalarType DType { get; init; } = ScalarType.Float32;

    /// <summary>
    /// Largest shard in bytes; a checkpoint larger than this is split into <c>model-0000i-of-0000n.safetensors</c> files
    /// listed by model.safetensors.index.json. Default 5 GB (transformers' <c>max_shard_size="5GB"</c>). A single tensor
    /// larger than the limit gets a shard of its own.
    /// </summary>
    public long MaxShardBytes { get; init; } = 5_000_000_000;

    /// <summary>A folder whose tokenizer files (<see cref="HfCheckpoint.TokenizerFiles"/>) are copied into the checkpoint; null copies none.</summary>
    public string? TokenizerSourceDir { get; init; }

    /// <summary>Written as generation_config.json when given.</summary>
    public GenerationConfig? Generation { get; init; }
}

/// <summary>
/// The Hugging Face checkpoint folder: <c>config.json</c>, <c>generation_config.json</c> (optional), the weights as one
/// <c>model.safetensors</c> or as shards listed by <c>model.safetensors.index.json</c>, and tokenizer files. Every file is
/// treated as untrusted: headers are bounds-checked (<see cref="SafeTensors"/>), shard names must stay inside the folder,
/// and the tensors must be exactly those <see cref="DecoderConfig.ParameterShapes"/> names, with those shapes.
/// </summary>
public static partial class HfCheckpoint
{
    public const string ConfigFile = "config.json";
    public const string GenerationConfigFile = "generation_config.json";
    public const string SingleWeightsFile = "model.safetensors";

    /// <summary>Tokenizer files carried from <see cref="SaveOptions.TokenizerSourceDir"/> when present there.</summary>
    public static readonly IReadOnlyList<string> TokenizerFiles =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.json", "merges.txt", "added_tokens.json", "tokenizer.model"];

    /// <summary>Tensors some exporters store that are buffers recomputed from the config, not parameters; skipped on load.</summary>
    public static readonly IReadOnlyList<string> IgnorableTensorSuffixes = ["rotary_emb.inv_freq"];

    private const string TiedHead = "lm_head.weight";
    private const string Embedding = "model.embed_tokens.weight";

    // ---- load ----------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Reads a checkpoint folder exactly as downloaded from the Hugging Face hub (symlinked snapshot files work).
    /// Throws <see cref="CheckpointException"/> (or <see cref="ConfigException"/> for config.json, or
    /// <see cref="SafeTensorsFormatException"/> for a corrupt header) naming the file and the tensor or field.
    /// </summary>
    public static LoadedCheckpoint Load(string dir)
    {
        string root = Path.GetFullPath(dir);
        if (!System.IO.Directory.Exists(root)) throw new CheckpointException($"{root}: checkpoint folder does not exist");
        string configPath = Path.Combine(root, ConfigFile);
        if (Lora.LoraAdapterFile.IsAdapterFolder(root)) return LoadMergedAdapter(root);
        if (!File.Exists(configPath)) throw new CheckpointException($"{root}: no {ConfigFile} (a Hugging Face checkpoint folder needs one)");
        DecoderConfig config = DecoderConfig.Load(configPath);
        string generationPath = Path.Combine(root, GenerationConfigFile);
        GenerationConfig? generation = File.Exists(generationPath) ? GenerationConfig.Load(generationPath) : null;

        Dictionary<string, List<SafeTensors.Entry>> plan = PlanLoad(root, config);  // file → entries to read, all validated
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        Tensor? tiedHead = null;
        string? tiedHeadFile = null;
        try
        {
            foreach ((string file, List<SafeTensors.Entry> wanted) in plan)
            {
                Dictionary<string, Tensor> stored = SafeTensors.Load(file);
                try
                {
                    foreach (SafeTensors.Entry e in wanted)
                    {
                        Tensor t = stored[e.Name];
                        stored.Remove(e.Name);
                        Tensor f32 = ToFloat32(t);
                        int bad = FirstNonFinite(f32);
                        if (bad >= 0)
                        {
                            float value = f32.AsSpan<float>()[bad];
                            f32.Dispose();
                            throw new CheckpointException($"{file}: tensor '{e.Name}' holds {value} at element {bad}: the weights are broken " +
                                "(a diverged run, or a damaged file); use an earlier checkpoint or re-train");
                        }
                        if (e.Name == TiedHead && config.TieWordEmbeddings) { tiedHead = f32; tiedHeadFile = file; }
                        else tensors[e.Name] = f32;
                    }
                }
                finally
                {
                    foreach (Tensor rest in stored.Values) rest.Dispose();  // ignorable buffers
                }
            }
            if (tiedHead is not null && !tiedHead.AsSpan<float>().SequenceEqual(tensors[Embedding].AsSpan<float>()))
                throw new CheckpointException($"{tiedHeadFile}: tensor '{TiedHead}' differs from '{Embedding}', but {configPath} says " +
                    "tie_word_embeddings = true (the head is the embedding); set tie_word_embeddings to false to keep a separate head");
        }
        catch
        {
            foreach (Tensor t in tensors.Values) t.Dispose();
            throw;
        }
        finally
        {
            tiedHead?.Dispose();
        }
        return new LoadedCheckpoint { Config = config, Tensors = tensors, Generation = generation, Directory = root };
    }

    /// <summary>
    /// Reads only the headers and checks them against the config before any data is read: every expected tensor present
    /// once with its shape and a float dtype, nothing unexpected, the index consistent with the shards.
    /// </summary>
    private static Dictionary<string, List<SafeTensors.Entry>> PlanLoad(string root, DecoderConfig config)
    {
        string configPath = Path.Combine(root, ConfigFile);
        Dictionary<string, long[]> expected = config.ParameterShapes().ToDictionary(p => p.Name, p => p.Shape, StringComparer.Ordinal);

        string indexPath = Path.Combine(root, SafeTensorsIndex.FileName);
        SafeTensorsIndex? index = null;
        List<string> files;
        if (File.Exists(indexPath))
        {
            index = SafeTensorsIndex.Read(indexPath);
            files = [];
            foreach (string shard in index.Files)
            {
                string path = Path.Combine(root, shard);
                if (!File.Exists(path))
                {
                    string tensor = index.WeightMap.First(p => p.Value == shard).Key;
                    throw new CheckpointException($"{indexPath}: weight_map['{tensor}'] names shard \"{shard}\", which does not exist in {root}");
                }
                files.Add(path);
            }
        }
        else if (File.Exists(Path.Combine(root, SingleWeightsFile)))
        {
            files = [Path.Combine(root, SingleWeightsFile)];
        }
        else
        {
            throw new CheckpointException($"{root}: no weights: expected {SingleWeightsFile} or {SafeTensorsIndex.FileName} " +
                "(other formats such as pytorch_model.bin are not read: convert them to safetensors)");
        }

        var plan = new Dictionary<string, List<SafeTensors.Entry>>(StringComparer.Ordinal);
        var seenIn = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in files)
        {
            var wanted = new List<SafeTensors.Entry>();
            foreach (SafeTensors.Entry e in SafeTensors.ReadHeader(file).Entries)
            {
                if (index is not null)
                {
                    if (!index.WeightMap.TryGetValue(e.Name, out string? mapped))
                        throw new CheckpointException($"{file}: tensor '{e.Name}' is not listed in the weight_map of {indexPath}");
                    if (Path.Combine(root, mapped) != file)
                        throw new CheckpointException($"{file}: tensor '{e.Name}' is here, but {indexPath} maps it to \"{mapped}\"");
                }
                if (!seenIn.TryAdd(e.Name, file))
                    throw new CheckpointException($"{file}: tensor '{e.Name}' is stored twice (also in {seenIn[e.Name]})");
                if (IgnorableTensorSuffixes.Any(s => e.Name.EndsWith(s, StringComparison.Ordinal))) continue;

                long[]? shape;
                bool tiedHead = e.Name == TiedHead && config.TieWordEmbeddings;
                if (tiedHead) shape = [config.VocabSize, config.HiddenSize];
                else if (!expected.TryGetValue(e.Name, out shape))
                    throw new CheckpointException($"{file}: unexpected tensor '{e.Name}': not a parameter of a {config.ModelType} model " +
                        $"with {configPath} ({config.NumHiddenLayers} layers, tie_word_embeddings = {config.TieWordEmbeddings.ToString().ToLowerInvariant()}); " +
                        "the checkpoint and its config.json disagree");
                if (!e.Shape.SequenceEqual(shape))
                    throw new CheckpointException($"{file}: tensor '{e.Name}' has shape {Show(e.Shape)}, but {configPath} implies {Show(shape)}");
                if (e.DType is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Float64))
                    throw new CheckpointException($"{file}: tensor '{e.Name}' has dtype {SafeTensors.DTypeName(e.DType)}; a parameter must be F32, BF16, F16 or F64");
                wanted.Add(e);
            }
            plan[file] = wanted;
        }

        if (index is not null)
        {
            foreach ((string name, string shard) in index.WeightMap)
            {
                if (!seenIn.ContainsKey(name))
                    throw new CheckpointException($"{indexPath}: weight_map['{name}'] names shard \"{shard}\", but that file has no tensor '{name}'");
            }
        }
        List<string> missing = expected.Keys.Where(name => !seenIn.ContainsKey(name)).ToList();
        if (missing.Count > 0)
        {
            string where = index is not null ? $"the shards of {indexPath}" : files[0];
            throw new CheckpointException($"{where}: tensor '{missing[0]}' {Show(expected[missing[0]])} is missing" +
                (missing.Count > 1 ? $" ({missing.Count} missing in all: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? ", …" : "")})" : "") +
                $"; {configPath} implies it");
        }
        return plan;
    }

    /// <summary>The index of the first NaN or infinite value of a float32 CPU tensor, or −1.</summary>
    private static int FirstNonFinite(Tensor f32)
    {
        ReadOnlySpan<float> values = f32.AsSpan<float>();
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    private static Tensor ToFloat32(Tensor t)
    {
        if (t.dtype == ScalarType.Float32) return t;
        using (t) return t.to(ScalarType.Float32).DetachFromDisposeScope();
    }
}
