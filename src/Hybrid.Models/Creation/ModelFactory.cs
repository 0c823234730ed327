// Creates a randomly initialised checkpoint folder: a tokenizer trained on a corpus, seeded weights, HF files.
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Models.Creation;

/// <summary>What <see cref="ModelFactory"/> wrote.</summary>
/// <param name="Directory">The checkpoint folder (full path).</param>
/// <param name="Config">Its config.json.</param>
/// <param name="TokenizerVocabSize">Ids the tokenizer uses (≤ <c>Config.VocabSize</c>; the remaining embedding rows are never produced by it).</param>
/// <param name="ParameterCount">Parameters of the model (tied embeddings counted once).</param>
public sealed record CreatedModel(string Directory, DecoderConfig Config, int TokenizerVocabSize, long ParameterCount);

/// <summary>
/// Makes new models from scratch — Hybrid never downloads one. The result is an ordinary Hugging Face folder (config.json,
/// generation_config.json, model.safetensors, tokenizer.json, tokenizer_config.json with the ChatML chat_template) that
/// <see cref="HfCheckpoint.Load"/> reads by the same path as any downloaded checkpoint.
/// </summary>
public static class ModelFactory
{
    /// <summary>Std of the normal initialisation of weight matrices (GPT-2's and Qwen2's <c>initializer_range</c>).</summary>
    public const double InitializerRange = 0.02;

    /// <summary>Creates the model a recipe describes in <paramref name="outputDir"/>; the same seed gives the same weights.</summary>
    public static CreatedModel Create(ModelRecipe recipe, string outputDir, ulong seed) =>
        CreateRandom(recipe.ConfigFor, recipe.Tokenizer, outputDir, seed, recipe.DType);

    /// <summary>
    /// Creates a model with <paramref name="config"/>'s architecture. A <c>VocabSize</c> of 0 takes the tokenizer's size
    /// rounded up to a multiple of 64; otherwise it must hold the tokenizer's ids. Special-token ids the config leaves
    /// unset are filled in from the tokenizer (bos/pad = &lt;|endoftext|&gt;, eos = &lt;|im_end|&gt;).
    /// </summary>
    public static CreatedModel CreateRandom(DecoderConfig config, TokenizerRecipe tokenizer, string outputDir, ulong seed, ScalarType dtype = ScalarType.Float32) =>
        CreateRandom(size => config.VocabSize > 0 ? CheckVocab(config, size) : config with { VocabSize = (size + 63) / 64 * 64 },
            tokenizer, outputDir, seed, dtype);

    /// <summary>
    /// Random weights for <paramref name="config"/>, by Hugging Face name, caller-owned: after <c>ManualSeed(seed)</c>, in
    /// <see cref="DecoderConfig.ParameterShapes"/> order, matrices ~ N(0, 0.02²), biases 0, RMSNorm weights 1.
    /// Reseeds libtorch's global generator.
    /// </summary>
    public static Dictionary<string, Tensor> RandomWeights(DecoderConfig config, ulong seed)
    {
        // The weights are made in float32 before anything is written: refuse a model that cannot fit in memory.
        long bytes = config.ParameterCount() * 4, available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (bytes > available / 2)
            throw new ConfigException($"the model would have {config.ParameterCount():N0} parameters ({bytes / (double)(1L << 30):F1} GiB as float32), " +
                                      $"more than half of this machine's {available / (double)(1L << 30):F1} GiB of memory; make it smaller (hidden_size, num_hidden_layers, vocab_size)");
        TensorUtil.ManualSeed(seed);
        var weights = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach ((string name, long[] shape) in config.ParameterShapes())
            {
                Tensor t = name.EndsWith("norm.weight", StringComparison.Ordinal) ? torch.ones(shape)
                    : name.EndsWith(".bias", StringComparison.Ordinal) ? torch.zeros(shape)
                    : torch.empty(shape).normal_(0, InitializerRange);
                weights[name] = t.DetachFromDisposeScope();
            }
        }
        catch
        {
            foreach (Tensor t in weights.Values) t.Dispose();
            throw;
        }
        return weights;
    }

    private static CreatedModel CreateRandom(Func<int, DecoderConfig> configForVocab, TokenizerRecipe recipe, string outputDir, ulong seed, ScalarType dtype)
    {
        string work = Directory.CreateTempSubdirectory("hybrid-tokenizer-").FullName;
        try
        {
            string tokenizerDir = recipe.SourceDir ?? work;
            if (recipe.SourceDir is null) WriteTrainedTokenizer(recipe, work);

            DecoderConfig config;
            GenerationConfig generation;
            int tokenizerSize;
            using (Tokenizer tokenizer = Tokenizer.Open(tokenizerDir))  // the training-side tokenizer must accept the files
            {
                tokenizerSize = tokenizer.VocabSize;
                config = configForVocab(tokenizerSize);
                int? endOfText = TryId(tokenizer, SpecialTokens.EndOfText), imEnd = TryId(tokenizer, SpecialTokens.ImEnd);
                int? eos = imEnd ?? tokenizer.EosTokenId ?? endOfText;
                config = config with
                {
                    BosTokenId = config.BosTokenId ?? tokenizer.BosTokenId ?? endOfText,
                    EosTokenIds = config.EosTokenIds.Count > 0 ? config.EosTokenIds : eos is int e ? [e] : [],
                    PadTokenId = config.PadTokenId ?? tokenizer.PadTokenId ?? endOfText,
                };
                config.Validate();
                generation = new GenerationConfig
                {
                    BosTokenId = config.BosTokenId,
                    // Stop at the end of a chat turn or of a document, like Qwen2-Instruct.
                    EosTokenIds = config.EosTokenIds.Concat(endOfText is int eot ? [eot] : Array.Empty<int>()).Distinct().ToList(),
                    PadTokenId = config.PadTokenId,
                    // Plain sampling at temperature 1: what RL rollouts of a fresh model should use.
                    DoSample = true,
                    Temperature = 1.0,
                    TopP = 1.0,
                    TopK = 0,
                };
            }

            Dictionary<string, Tensor> weights = RandomWeights(config, seed);
            try
            {
                HfCheckpoint.Save(outputDir, config, weights, new SaveOptions { DType = dtype, TokenizerSourceDir = tokenizerDir, Generation = generation });
            }
            finally
            {
                foreach (Tensor t in weights.Values) t.Dispose();
            }
            return new CreatedModel(Path.GetFullPath(outputDir), config, tokenizerSize, config.ParameterCount());
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>
    /// Trains the BPE tokenizer a recipe names on its corpus and writes tokenizer.json and tokenizer_config.json (eos
    /// &lt;|im_end|&gt;, pad &lt;|endoftext|&gt;, the ChatML chat_template) into <paramref name="directory"/>.
    /// </summary>
    internal static void WriteTrainedTokenizer(TokenizerRecipe recipe, string directory)
    {
        string corpus = recipe.CorpusPath ?? throw new ArgumentException("TokenizerRecipe needs CorpusPath (train) or SourceDir (copy)", nameof(recipe));
        var options = new BpeTrainerOptions { VocabSize = recipe.VocabSize, MinFrequency = recipe.MinFrequency };
        BpeTrainer.TrainFromFile(corpus, options)
            .Write(directory, bosToken: null, eosToken: SpecialTokens.ImEnd, padToken: SpecialTokens.EndOfText, chatTemplate: ChatTemplate.Jinja);
    }

    private static DecoderConfig CheckVocab(DecoderConfig config, int tokenizerSize) =>
        config.VocabSize >= tokenizerSize ? config
            : throw new ConfigException($"config: field 'vocab_size' = {config.VocabSize} is smaller than the tokenizer's {tokenizerSize} ids; raise it or set 0 to use the tokenizer's size");

    private static int? TryId(Tokenizer tokenizer, string token)
    {
        try { return tokenizer.TokenId(token); }
        catch (KeyNotFoundException) { return null; }
    }
}
