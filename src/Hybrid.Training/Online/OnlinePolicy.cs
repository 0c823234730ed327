// The policy of an online trainer held twice: trainable on libtorch, and served by the rollout engine (ONNX Runtime or GenAI), kept equal by weight sync.
using Hybrid.Export.Decoder;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Models.Lora;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout;
using Hybrid.Training.WeightSync;

namespace Hybrid.Training.Online;

/// <summary>
/// Owns the trainable <see cref="Model"/>, its <see cref="Tokenizer"/>, a GenAI folder exported from the model's weights
/// at start (<c>{workDir}/rollout</c>), the <see cref="RolloutEngine"/> serving it and the <see cref="IWeightSync"/> bound
/// to that engine. <see cref="PushWeights"/> makes the engine sample with the trainer's current weights as the next
/// policy version (every rollout records the version it was sampled with).
/// <para>
/// With <see cref="OnlinePolicyOptions.Lora"/> the model carries LoRA adapters over a frozen base: the rollout export has
/// LoRA paths (<see cref="DecoderExportOptions.Lora"/>) and an adapter sync pushes only their A/B matrices; the reference
/// (<see cref="FrozenCopy"/>) is the policy merged; <see cref="Save"/> writes a PEFT adapter folder over the base.
/// </para>
/// </summary>
public sealed class OnlinePolicy : IDisposable
{
    private OnlinePolicy(DecoderModel model, Tokenizer tokenizer, string tokenizerDir, string rolloutDir, RolloutEngine engine,
        IWeightSync sync, GenerationConfig? generation, LoraConfig? lora, string baseModelDir)
    {
        (Model, Tokenizer, TokenizerDir, RolloutDir, Engine, Sync, Generation) = (model, tokenizer, tokenizerDir, rolloutDir, engine, sync, generation);
        (Lora, BaseModelDir) = (lora, baseModelDir);
        Rollouts = engine;
        EosTokenId = tokenizer.EosTokenId ?? model.Config.EosTokenIds.FirstOrDefault();
        PadTokenId = tokenizer.PadTokenId ?? model.Config.PadTokenId ?? EosTokenId;
    }

    public DecoderModel Model { get; }

    public DecoderConfig Config => Model.Config;

    public Tokenizer Tokenizer { get; }

    /// <summary>Folder whose tokenizer files are copied into exports and saved checkpoints.</summary>
    public string TokenizerDir { get; }

    /// <summary>The GenAI folder the engine serves.</summary>
    public string RolloutDir { get; }

    public RolloutEngine Engine { get; }

    /// <summary>
    /// What the trainers sample from: <see cref="Engine"/> unless a run sets a cluster (<c>--cluster</c>), which publishes
    /// the engine's version to its workers and samples there.
    /// </summary>
    public IRolloutGenerator Rollouts { get; set; }

    public IWeightSync Sync { get; }

    public GenerationConfig? Generation { get; }

    /// <summary>The adapters trained over a frozen base, or null (every weight is trained).</summary>
    public LoraConfig? Lora { get; }

    /// <summary>The checkpoint the policy started from: the base an adapter folder written by <see cref="Save"/> names.</summary>
    public string BaseModelDir { get; }

    public int EosTokenId { get; }

    public int PadTokenId { get; }

    /// <summary>The engine's current policy version (0 = the weights at start, +1 per push).</summary>
    public long Version => Engine.PolicyVersion;

    /// <summary>Loads the Hugging Face causal-LM checkpoint <paramref name="checkpointDir"/> and serves it from <paramref name="workDir"/>/rollout.</summary>
    public static OnlinePolicy Open(string checkpointDir, string workDir, OnlinePolicyOptions? options = null)
    {
        using LoadedCheckpoint checkpoint = HfCheckpoint.Load(checkpointDir);
        if (checkpoint.Config.IsSequenceClassifier)
            throw new ArgumentException($"{checkpointDir}: config.json describes a sequence classifier (reward model); the policy must be a causal LM", nameof(checkpointDir));
        var model = new DecoderModel(checkpoint.Config);
        try
        {
            model.LoadStateDict(checkpoint.Tensors);
            if (options?.Lora is { } lora)
            {
                LoraLayers.Attach(model, lora, options.LoraSeed);   // freezes the base; B = 0, so version 0 is the checkpoint
                if (options.ResumeFrom is string resumed)
                {
                    Dictionary<string, Tensor> adapter = LoraAdapterFile.ReadWeights(resumed);
                    try { LoraLayers.Load(model, adapter, resumed); }
                    finally { foreach (Tensor t in adapter.Values) t.Dispose(); }
                }
            }
            else if (options?.ResumeFrom is string resumed)
            {
                using LoadedCheckpoint trained = HfCheckpoint.Load(resumed);
                model.LoadStateDict(trained.Tensors);   // strict: a checkpoint of another architecture or size is refused, naming its tensors
            }
            return Create(model, checkpoint.Directory, workDir, options, checkpoint.Generation, baseModelDir: Path.GetFullPath(checkpointDir));
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Serves <paramref name="model"/> (ownership passes to the policy) with the tokenizer files of <paramref name="tokenizerDir"/>;
    /// with <see cref="OnlinePolicyOptions.Lora"/> the model must already carry those adapters (<see cref="LoraLayers.Attach"/>).
    /// <paramref name="baseModelDir"/>: what a saved adapter names as its base (default <paramref name="tokenizerDir"/>).
    /// </summary>
    public static OnlinePolicy Create(DecoderModel model, string tokenizerDir, string workDir, OnlinePolicyOptions? options = null,
        GenerationConfig? generation = null, string? baseModelDir = null)
    {
        options ??= new OnlinePolicyOptions();
        string rolloutDir = Path.Combine(Path.GetFullPath(workDir), "rollout");
        if (Directory.Exists(rolloutDir)) Directory.Delete(rolloutDir, recursive: true);
        DecoderExportOptions export = options.ExportOptions;
        using (no_grad())
            DecoderExporter.ExportGenAIFolder(rolloutDir, model.Config, model.StateDict(), tokenizerDir, export, generation);
        Tokenizer tokenizer = Tokenizer.Open(tokenizerDir);
        RolloutEngine? engine = null;
        try
        {
            engine = new RolloutEngine(rolloutDir, options.Engine, options.InitialVersion);
            IWeightSync sync = options.Sync == SyncMechanism.Adapter
                ? new AdapterWeightSync(engine, model.Config, export)
                : new ReExportWeightSync(engine, model.Config, export);
            return new OnlinePolicy(model, tokenizer, tokenizerDir, rolloutDir, engine, sync, generation, options.Lora, baseModelDir ?? Path.GetFullPath(tokenizerDir));
        }
        catch
        {
            engine?.Dispose();
            tokenizer.Dispose();
            throw;
        }
    }

    /// <summary>Hands the trainer's current weights to the engine as policy version <see cref="Version"/> + 1.</summary>
    public void PushWeights()
    {
        using var noGrad = no_grad();
        Sync.Push(Model.StateDict());
    }

    /// <summary>A frozen copy of the current weights, adapters merged (no gradients): the reference model, or the previous iterate (SPIN).</summary>
    public DecoderModel FrozenCopy()
    {
        var copy = new DecoderModel(Config);
        LoraLayers.CopyMerged(Model, copy);
        foreach (Tensor p in copy.parameters()) p.requires_grad_(false);
        copy.eval();
        return copy;
    }

    /// <summary>
    /// A frozen copy of the policy as it was opened, before any update: the reference of a run resumed from a checkpoint,
    /// whose <see cref="Model"/> has moved on. Under LoRA it is the frozen base (B starts at zero, so the opened policy is
    /// the base as held, bf16 included); otherwise <see cref="BaseModelDir"/>'s weights, loaded again.
    /// </summary>
    public DecoderModel FrozenStart()
    {
        var copy = new DecoderModel(Config);
        try
        {
            if (Lora is not null) LoraLayers.CopyBase(Model, copy);
            else
            {
                using LoadedCheckpoint start = HfCheckpoint.Load(BaseModelDir);
                copy.LoadStateDict(start.Tensors);
            }
        }
        catch
        {
            copy.Dispose();
            throw;
        }
        foreach (Tensor p in copy.parameters()) p.requires_grad_(false);
        copy.eval();
        return copy;
    }

    /// <summary>Copies the current weights, adapters merged, into <paramref name="target"/> (a plain model of the same config), e.g. to refresh a reference.</summary>
    public void CopyWeightsTo(DecoderModel target) => LoraLayers.CopyMerged(Model, target);

    /// <summary>
    /// Saves the policy as a Hugging Face checkpoint (weights, config, generation config, tokenizer files), or under LoRA
    /// as a PEFT adapter folder naming <see cref="BaseModelDir"/>.
    /// </summary>
    public void Save(string dir)
    {
        if (Lora is not null)
            HfCheckpoint.SaveAdapter(dir, Lora, BaseModelDir, LoraLayers.AdapterState(Model), TokenizerDir, Generation);
        else
            HfCheckpoint.Save(dir, Config, Model.StateDict(), new SaveOptions { TokenizerSourceDir = TokenizerDir, Generation = Generation });
    }

    /// <summary>Decodes response tokens to text (stop tokens dropped).</summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        int end = ids.Length;
        while (end > 0 && (ids[end - 1] == EosTokenId || Config.EosTokenIds.Contains(ids[end - 1]))) end--;
        return Tokenizer.Decode(ids[..end]);
    }

    public void Dispose()
    {
        Engine.Dispose();
        Tokenizer.Dispose();
        Model.Dispose();
    }
}
