// Loading a PEFT LoRA adapter folder as a model: its base checkpoint with the adapter merged into the weights.
using Hybrid.Models.Config;
using Hybrid.Models.Lora;

namespace Hybrid.Models.Checkpoints;

public static partial class HfCheckpoint
{
    /// <summary>
    /// An adapter folder (adapter_config.json, adapter_model.safetensors) loads as the checkpoint it names in
    /// <c>base_model_name_or_path</c> with W += s · B A for every adapted layer — what PEFT's <c>merge_and_unload</c>
    /// gives. The tokenizer is the adapter folder's when it has one (TRL saves it there), else the base's.
    /// </summary>
    /// <summary>
    /// Writes a LoRA adapter folder PEFT loads: adapter_config.json (naming <paramref name="baseModel"/>),
    /// adapter_model.safetensors, generation_config.json when given, and <paramref name="tokenizerSource"/>'s tokenizer
    /// files. Built in a temporary sibling folder and moved into place, adapter_config.json last (it makes the folder an
    /// adapter); weight files of an earlier full checkpoint there are removed, other files kept. A reward model's adapter
    /// (<paramref name="sequenceClassifier"/>) includes its score head in <paramref name="weights"/>.
    /// </summary>
    public static void SaveAdapter(string dir, LoraConfig config, string baseModel, IEnumerable<KeyValuePair<string, Tensor>> weights,
        string? tokenizerSource = null, GenerationConfig? generation = null, bool sequenceClassifier = false)
    {
        string target = Path.GetFullPath(dir).TrimEnd(Path.DirectorySeparatorChar);
        string parent = Path.GetDirectoryName(target) ?? throw new ArgumentException($"'{dir}' has no parent folder", nameof(dir));
        System.IO.Directory.CreateDirectory(parent);
        string staging = Path.Combine(parent, $".{Path.GetFileName(target)}.partial-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(staging);
        try
        {
            LoraAdapterFile.Write(staging, config, baseModel, weights, sequenceClassifier);
            generation?.Save(Path.Combine(staging, GenerationConfigFile));
            if (tokenizerSource is not null) CopyTokenizerFiles(Path.GetFullPath(tokenizerSource), staging);
            if (!System.IO.Directory.Exists(target))
            {
                System.IO.Directory.Move(staging, target);
                return;
            }
            string[] written = [.. System.IO.Directory.GetFiles(staging).Select(p => Path.GetFileName(p)!)];
            File.Delete(Path.Combine(target, LoraAdapterFile.ConfigFile));
            foreach (string name in written.Where(n => n != LoraAdapterFile.ConfigFile).Append(LoraAdapterFile.ConfigFile))
                File.Move(Path.Combine(staging, name), Path.Combine(target, name), overwrite: true);
            foreach (string path in System.IO.Directory.GetFiles(target))
                if (Path.GetFileName(path) is var name && (IsWeightFile(name) || name == ConfigFile)) File.Delete(path);
        }
        finally
        {
            if (System.IO.Directory.Exists(staging)) System.IO.Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>The config.json of a checkpoint folder, or of the base an adapter folder names (as a reward model's for a SEQ_CLS adapter).</summary>
    public static DecoderConfig LoadConfig(string dir)
    {
        string root = Path.GetFullPath(dir);
        bool scoreHead = LoraAdapterFile.IsAdapterFolder(root) && LoraAdapterFile.IsSequenceClassifier(root);
        for (int depth = 0; LoraAdapterFile.IsAdapterFolder(root); depth++)   // an adapter trained on a merged adapter names that one
        {
            if (depth == MaxAdapterChain) throw new CheckpointException($"{Path.GetFullPath(dir)}: more than {MaxAdapterChain} adapter folders in a chain of base_model_name_or_path");
            root = LoraAdapterFile.ResolveBase(root, LoraAdapterFile.ReadConfig(root).BaseModel);
        }
        DecoderConfig config = DecoderConfig.Load(Path.Combine(root, ConfigFile));
        return scoreHead ? config.WithScoreHead() : config;
    }

    /// <summary>Adapter folders that may name one another as base before the chain is refused (a cycle would never end).</summary>
    private const int MaxAdapterChain = 8;

    [ThreadStatic] private static int t_adapterDepth;

    private static LoadedCheckpoint LoadMergedAdapter(string root)
    {
        if (t_adapterDepth >= MaxAdapterChain) throw new CheckpointException($"{root}: more than {MaxAdapterChain} adapter folders in a chain of base_model_name_or_path");
        (LoraConfig config, string baseModel) = LoraAdapterFile.ReadConfig(root);
        string basePath = LoraAdapterFile.ResolveBase(root, baseModel);
        if (!File.Exists(Path.Combine(basePath, ConfigFile)) && !LoraAdapterFile.IsAdapterFolder(basePath))
            throw new CheckpointException($"{Path.Combine(root, LoraAdapterFile.ConfigFile)}: base_model_name_or_path '{baseModel}' is not a checkpoint folder here ({basePath} has no {ConfigFile})");
        LoadedCheckpoint checkpoint;
        t_adapterDepth++;
        try { checkpoint = Load(basePath); }
        finally { t_adapterDepth--; }
        bool scoreHead = LoraAdapterFile.IsSequenceClassifier(root);
        try
        {
            Dictionary<string, Tensor> adapter = LoraAdapterFile.ReadWeights(root);
            try
            {
                LoraLayers.MergeInto(checkpoint.Tensors, config, adapter, Path.Combine(root, LoraAdapterFile.WeightsFile));
                // A reward model's adapter brings its whole score head; a causal-LM base's lm_head has no place beside it.
                if (scoreHead != adapter.ContainsKey(LoraAdapterFile.ScoreHead))
                    throw new CheckpointException($"{Path.Combine(root, LoraAdapterFile.WeightsFile)}: " + (scoreHead
                        ? $"a SEQ_CLS adapter needs the score head '{LoraAdapterFile.KeyPrefix}{LoraAdapterFile.ScoreHead}'"
                        : $"'{LoraAdapterFile.KeyPrefix}{LoraAdapterFile.ScoreHead}' belongs to a SEQ_CLS adapter, and task_type is not SEQ_CLS"));
                if (scoreHead)
                {
                    if (checkpoint.Tensors.Remove("lm_head.weight", out Tensor? head)) head.Dispose();
                    if (checkpoint.Tensors.Remove(LoraAdapterFile.ScoreHead, out Tensor? old)) old.Dispose();
                    adapter.Remove(LoraAdapterFile.ScoreHead, out Tensor? score);
                    checkpoint.Tensors[LoraAdapterFile.ScoreHead] = score!;
                }
            }
            finally { foreach (Tensor t in adapter.Values) t.Dispose(); }
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }
        bool ownTokenizer = File.Exists(Path.Combine(root, "tokenizer.json"));
        return new LoadedCheckpoint
        {
            Config = scoreHead ? checkpoint.Config.WithScoreHead() : checkpoint.Config, Tensors = checkpoint.Tensors, Generation = checkpoint.Generation,
            Directory = ownTokenizer ? root : checkpoint.Directory,
        };
    }
}
