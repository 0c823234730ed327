// What every training bench starts from: a random model of a recipe's architecture, and random fully-trainable rows.
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using Hybrid.Training.Data;

namespace Hybrid.Bench;

internal static class BenchModel
{
    /// <summary>The recipe at <paramref name="recipePath"/>, its config, and a model of it with HF initialisation from seed 0.</summary>
    public static (ModelRecipe Recipe, DecoderConfig Config, DecoderModel Model) Create(string recipePath)
    {
        ModelRecipe recipe = ModelRecipe.Load(recipePath);
        DecoderConfig config = recipe.ConfigFor(recipe.Tokenizer.VocabSize);
        TensorUtil.ManualSeed(0);
        return (recipe, config, new DecoderModel(config));
    }

    /// <summary><paramref name="count"/> rows of <paramref name="length"/> random ids, every token trainable, no padding.</summary>
    public static List<TokenizedExample> RandomRows(DecoderConfig config, int count, int length, int seed = 0)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i => new TokenizedExample(
            Enumerable.Range(0, length).Select(_ => random.Next(config.VocabSize)).ToArray(), Enumerable.Repeat(true, length).ToArray(), $"row {i}")).ToList();
    }
}
