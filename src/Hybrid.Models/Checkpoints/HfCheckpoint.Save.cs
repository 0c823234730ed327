// Saving a decoder checkpoint as a Hugging Face folder: staged beside the target, published with config.json last.
using Hybrid.Models.Config;
using Hybrid.Tensors.Serialization;

namespace Hybrid.Models.Checkpoints;

public static partial class HfCheckpoint
{
    // ---- save ----------------------------------------------------------------------------------------------------------

    /// <summary>
    /// Writes <paramref name="tensors"/> (exactly the names and shapes of <c>config.ParameterShapes()</c>, any float
    /// dtype) as a checkpoint folder at <paramref name="dir"/>, with config.json (its <c>torch_dtype</c> set to the stored
    /// dtype), generation_config.json and tokenizer files per <paramref name="options"/>. Everything is first written
    /// into a temporary sibling folder and moved into place only when complete, so an error leaves <paramref name="dir"/>
    /// as it was. Saving into an existing checkpoint folder replaces the weights and config, removes stale weight files,
    /// replaces the tokenizer files when a source is given (else keeps them), and keeps any other file.
    /// </summary>
    public static void Save(string dir, DecoderConfig config, IEnumerable<KeyValuePair<string, Tensor>> tensors, SaveOptions? options = null)
    {
        options ??= new SaveOptions();
        if (options.DType is not (ScalarType.Float32 or ScalarType.BFloat16))
            throw new ArgumentException($"SaveOptions.DType = {options.DType} is not supported: use Float32 or BFloat16", nameof(options));
        if (options.MaxShardBytes <= 0)
            throw new ArgumentException($"SaveOptions.MaxShardBytes = {options.MaxShardBytes} must be > 0", nameof(options));
        config.Validate();
        options.Generation?.Validate();
        List<(string Name, Tensor Tensor)> ordered = CheckTensors(config, tensors);
        string? tokenizerSource = options.TokenizerSourceDir is null ? null : Path.GetFullPath(options.TokenizerSourceDir);

        string target = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{dir}' has no parent folder", nameof(dir));
        System.IO.Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            WriteWeights(staging, ordered, options);
            string dtypeName = options.DType == ScalarType.BFloat16 ? "bfloat16" : "float32";
            (config with { TorchDtype = dtypeName }).Save(Path.Combine(staging, ConfigFile));
            options.Generation?.Save(Path.Combine(staging, GenerationConfigFile));
            if (tokenizerSource is not null) CopyTokenizerFiles(tokenizerSource, staging);
            Publish(staging, target, replacesTokenizer: tokenizerSource is not null);
        }
        finally
        {
            if (System.IO.Directory.Exists(staging)) System.IO.Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>The tensors in ParameterShapes order, after checking names, shapes and dtypes; nothing is written on error.</summary>
    private static List<(string, Tensor)> CheckTensors(DecoderConfig config, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var given = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string name, Tensor t) in tensors)
        {
            if (!given.TryAdd(name, t)) throw new CheckpointException($"save: tensor '{name}' is given twice");
        }
        var expected = config.ParameterShapes().ToList();
        var names = expected.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        foreach (string name in given.Keys)
        {
            if (!names.Contains(name))
                throw new CheckpointException($"save: unexpected tensor '{name}': not a parameter of a {config.ModelType} model with this config " +
                    $"({config.NumHiddenLayers} layers, tie_word_embeddings = {config.TieWordEmbeddings.ToString().ToLowerInvariant()})");
        }
        var ordered = new List<(string, Tensor)>(expected.Count);
        foreach ((string name, long[] shape) in expected)
        {
            if (!given.TryGetValue(name, out Tensor? t))
                throw new CheckpointException($"save: tensor '{name}' {Show(shape)} is missing (the config implies it)");
            if (!t.shape.SequenceEqual(shape))
                throw new CheckpointException($"save: tensor '{name}' has shape {Show(t.shape)}, but the config implies {Show(shape)}");
            if (!t.dtype.IsFloat())
                throw new CheckpointException($"save: tensor '{name}' has dtype {t.dtype}; parameters must be floating point");
            ordered.Add((name, t));
        }
        return ordered;
    }

    /// <summary>Greedy sharding in parameter order; one file (no index) when everything fits in one shard.</summary>
    private static void WriteWeights(string folder, List<(string Name, Tensor Tensor)> ordered, SaveOptions options)
    {
        int elementSize = options.DType.ElementSize();
        var shards = new List<List<(string Name, Tensor Tensor)>> { new() };
        long current = 0, total = 0;
        foreach (var item in ordered)
        {
            long bytes = item.Tensor.numel() * elementSize;
            if (current > 0 && current + bytes > options.MaxShardBytes)
            {
                shards.Add([]);
                current = 0;
            }
            shards[^1].Add(item);
            current += bytes;
            total += bytes;
        }

        var metadata = new Dictionary<string, string> { ["format"] = "pt" };
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            string file = shards.Count == 1 ? SingleWeightsFile : $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            using (no_grad())
            using (NewDisposeScope())
            {
                // Converted copies live only while this shard is written.
                var converted = shards[i].Select(s => new KeyValuePair<string, Tensor>(s.Name,
                    s.Tensor.dtype == options.DType ? s.Tensor : s.Tensor.to(options.DType))).ToList();
                SafeTensors.Save(Path.Combine(folder, file), converted, metadata);
            }
            foreach (var (name, _) in shards[i]) weightMap[name] = file;
        }
        if (shards.Count > 1) new SafeTensorsIndex(total, weightMap).Write(Path.Combine(folder, SafeTensorsIndex.FileName));
    }

    private static void CopyTokenizerFiles(string source, string folder)
    {
        if (!System.IO.Directory.Exists(source))
            throw new CheckpointException($"{source}: tokenizer source folder does not exist (SaveOptions.TokenizerSourceDir)");
        int copied = 0;
        foreach (string name in TokenizerFiles)
        {
            string from = Path.Combine(source, name);
            if (!File.Exists(from)) continue;
            File.Copy(from, Path.Combine(folder, name));
            copied++;
        }
        if (copied == 0)
            throw new CheckpointException($"{source}: no tokenizer files to copy (SaveOptions.TokenizerSourceDir; expected tokenizer.json and tokenizer_config.json)");
    }

    /// <summary>Moves a complete staging folder into place: a rename when the target is new, else file by file.</summary>
    private static void Publish(string staging, string target, bool replacesTokenizer)
    {
        if (!System.IO.Directory.Exists(target))
        {
            System.IO.Directory.Move(staging, target);
            return;
        }
        var written = System.IO.Directory.GetFiles(staging).Select(path => Path.GetFileName(path)).ToHashSet(StringComparer.Ordinal);
        // config.json is what makes a folder a checkpoint: the old one goes first and the new one comes last, so a kill
        // in between leaves a folder that loads as nothing (an error naming config.json), never old config over new weights.
        // The old index goes early too, so that no reader sees it pointing at shards that are being replaced.
        File.Delete(Path.Combine(target, ConfigFile));
        string oldIndex = Path.Combine(target, SafeTensorsIndex.FileName);
        if (!written.Contains(SafeTensorsIndex.FileName) && File.Exists(oldIndex)) File.Delete(oldIndex);
        foreach (string name in written.Where(n => n != ConfigFile).Append(ConfigFile))
            File.Move(Path.Combine(staging, name), Path.Combine(target, name), overwrite: true);
        foreach (string path in System.IO.Directory.GetFiles(target))
        {
            string name = Path.GetFileName(path);
            bool stale = !written.Contains(name) && (IsWeightFile(name) || replacesTokenizer && TokenizerFiles.Contains(name));
            if (stale) File.Delete(path);
        }
    }

    private static bool IsWeightFile(string name) =>
        name == SingleWeightsFile || name == SafeTensorsIndex.FileName
        || name.StartsWith("model-", StringComparison.Ordinal) && name.EndsWith(".safetensors", StringComparison.Ordinal);

    private static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";
}
