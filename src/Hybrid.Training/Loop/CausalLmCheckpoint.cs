// Loading and saving the causal-LM checkpoint an offline trainer starts from and writes (SFT and preference training).
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Decoder;

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

    /// <summary>Writes <paramref name="model"/> to <paramref name="dir"/> as a checkpoint with <paramref name="tokenizerSource"/>'s tokenizer files.</summary>
    public static void Save(string dir, DecoderModel model, string tokenizerSource, GenerationConfig? generation) =>
        HfCheckpoint.Save(dir, model.Config, model.StateDict(), new SaveOptions { TokenizerSourceDir = tokenizerSource, Generation = generation });
}
