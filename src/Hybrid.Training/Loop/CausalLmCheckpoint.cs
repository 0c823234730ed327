// Loading and saving the causal-LM checkpoint an offline trainer starts from and writes (SFT and preference training).
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Decoder;
using Hybrid.Models.Lora;

namespace Hybrid.Training.Loop;

/// <summary>
/// A trainer's Hugging Face causal LM: loaded whole (a reward checkpoint is refused with its folder named), and saved with
/// the starting checkpoint's tokenizer files and generation config beside the weights.
/// </summary>
public static class CausalLmCheckpoint
{
    /// <summary>The decoder in <paramref name="dir"/> and its generation_config.json (null when absent); <paramref name="purpose"/> names the trainer in errors.</summary>
    public static DecoderModel Load(string dir, string purpose, out GenerationConfig? generation)
    {
        using LoadedCheckpoint checkpoint = HfCheckpoint.Load(dir);
        if (checkpoint.Config.IsSequenceClassifier)
            throw new CheckpointException($"{checkpoint.Directory}: is a *ForSequenceClassification (reward) checkpoint; {purpose} needs a causal LM");
        generation = checkpoint.Generation;
        var model = new DecoderModel(checkpoint.Config);
        model.LoadStateDict(checkpoint.Tensors);
        return model;
    }

    /// <summary>
    /// The model a trainer updates: <see cref="TrainingArguments.ModelPath"/> (an adapter folder loads merged into its
    /// base), with a fresh LoRA adapter when <see cref="TrainingArguments.Lora"/> is set. A resumed run continues from
    /// its checkpoint: the whole model, or under LoRA the base and the checkpoint's adapter.
    /// </summary>
    public static DecoderModel LoadForTraining(TrainingArguments args, string purpose, out GenerationConfig? generation)
    {
        if (args.Lora is null) return Load(args.ResumeFrom ?? args.ModelPath, purpose, out generation);
        DecoderModel model = Load(args.ModelPath, purpose, out generation);
        try
        {
            LoraLayers.Attach(model, args.Lora, args.Seed);   // resumed adapters replace A and B below
            if (args.ResumeFrom is not null)
            {
                Dictionary<string, Tensor> adapter = LoraAdapterFile.ReadWeights(args.ResumeFrom);
                try { LoraLayers.Load(model, adapter, args.ResumeFrom); }
                finally { foreach (Tensor t in adapter.Values) t.Dispose(); }
            }
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>What the optimizer updates, and their names (for its checkpoint): every parameter, or the LoRA matrices.</summary>
    public static (List<TorchSharp.Modules.Parameter> Parameters, List<string> Names) Trainable(DecoderModel model)
    {
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        return (trainable.Select(p => p.parameter).ToList(), trainable.Select(p => p.name).ToList());
    }

    /// <summary>
    /// Writes what a trainer produced: the checkpoint, or under LoRA a PEFT adapter folder naming the absolute
    /// <see cref="TrainingArguments.ModelPath"/> as its base (so it loads from anywhere on this machine).
    /// </summary>
    public static void SaveTrained(string dir, DecoderModel model, TrainingArguments args, GenerationConfig? generation)
    {
        if (args.Lora is null) Save(dir, model, args.ModelPath, generation);
        else HfCheckpoint.SaveAdapter(dir, args.Lora, Path.GetFullPath(args.ModelPath), LoraLayers.AdapterState(model), args.ModelPath, generation);
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="dir"/> as a checkpoint with <paramref name="tokenizerSource"/>'s tokenizer files.</summary>
    public static void Save(string dir, DecoderModel model, string tokenizerSource, GenerationConfig? generation) =>
        HfCheckpoint.Save(dir, model.Config, model.StateDict(), new SaveOptions { TokenizerSourceDir = tokenizerSource, Generation = generation });
}
