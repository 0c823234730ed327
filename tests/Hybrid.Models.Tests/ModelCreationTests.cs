// Model creation: recipes in models/, a tiny model created from scratch and loaded back, seeded and correctly initialised.
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Hybrid.Models.Decoder;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class ModelCreationTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>A file of the repository (found by walking up from the test binaries to the folder holding models/).</summary>
    public static string RepoFile(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate) && Directory.Exists(Path.Combine(dir.FullName, "src"))) return candidate;
        }
        throw new FileNotFoundException($"'{relative}' not found above {AppContext.BaseDirectory}");
    }

    [Theory]
    [InlineData("models/tiny.json", 100_000, 500_000)]
    [InlineData("models/small.json", 5_000_000, 10_000_000)]
    [InlineData("models/base100m.json", 90_000_000, 110_000_000)]
    public void RecipesDescribeModelsOfTheAdvertisedSize(string recipePath, long min, long max)
    {
        ModelRecipe recipe = ModelRecipe.Load(RepoFile(recipePath));

        DecoderConfig config = recipe.ConfigFor(recipe.Tokenizer.VocabSize);

        Assert.InRange(config.ParameterCount(), min, max);
        Assert.True(File.Exists(recipe.Tokenizer.CorpusPath), recipe.Tokenizer.CorpusPath);
        Assert.Equal(Path.GetFileNameWithoutExtension(recipePath), recipe.Name);
    }

    [Fact]
    public void TheTinyRecipeCreatesALoadableCheckpointWithAChatTokenizer()
    {
        ModelRecipe recipe = ModelRecipe.Load(RepoFile("models/tiny.json"));

        CreatedModel created = ModelFactory.Create(recipe, _tmp["tiny"], seed: 42);

        using LoadedCheckpoint loaded = HfCheckpoint.Load(_tmp["tiny"]);
        Assert.Equal(384, loaded.Config.VocabSize);
        Assert.Equal(created.Config.ToJson().ToJsonString(), loaded.Config.ToJson().ToJsonString());
        Assert.InRange(created.TokenizerVocabSize, 300, 384);
        Assert.InRange(created.ParameterCount, 100_000, 500_000);

        using Tokenizer tokenizer = Tokenizer.Open(_tmp["tiny"]);
        Assert.Equal(created.TokenizerVocabSize, tokenizer.VocabSize);
        Assert.Equal(ChatTemplate.Jinja, tokenizer.ChatTemplate);
        int imEnd = tokenizer.TokenId(SpecialTokens.ImEnd), endOfText = tokenizer.TokenId(SpecialTokens.EndOfText);
        Assert.Equal([imEnd], loaded.Config.EosTokenIds);
        Assert.Equal(endOfText, loaded.Config.PadTokenId);
        Assert.Equal([imEnd, endOfText], loaded.Generation!.EosTokenIds);
        Assert.True(loaded.Generation.DoSample);
        string text = "The baker sold 3 + 4 = 7 loaves.";
        Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        Assert.True(tokenizer.Encode(text).Length < text.Length * 0.6, "the trained merges should compress corpus-like text");
    }

    [Fact]
    public void WeightsAreSeededNormalMatricesUnitNormsAndZeroBiases()
    {
        ModelRecipe recipe = ModelRecipe.Load(RepoFile("models/tiny.json"));
        ModelFactory.Create(recipe, _tmp["a"], seed: 7);
        ModelFactory.Create(recipe, _tmp["b"], seed: 7);
        ModelFactory.Create(recipe, _tmp["c"], seed: 8);

        using LoadedCheckpoint a = HfCheckpoint.Load(_tmp["a"]), b = HfCheckpoint.Load(_tmp["b"]), c = HfCheckpoint.Load(_tmp["c"]);

        foreach ((string name, Tensor t) in a.Tensors)
        {
            float[] values = t.data<float>().ToArray();
            Assert.Equal(values, b.Tensors[name].data<float>().ToArray());
            if (name.EndsWith("norm.weight", StringComparison.Ordinal)) Assert.All(values, v => Assert.Equal(1f, v));
            else if (name.EndsWith(".bias", StringComparison.Ordinal)) Assert.All(values, v => Assert.Equal(0f, v));
            else
            {
                Assert.NotEqual(values, c.Tensors[name].data<float>().ToArray());
                double mean = values.Average(), std = Math.Sqrt(values.Select(v => (v - mean) * (v - mean)).Average());
                Assert.InRange(std, 0.02 * 0.85, 0.02 * 1.15);  // ≥ 1024 samples per matrix: std within 15%
                Assert.InRange(mean, -0.004, 0.004);
            }
        }
        Assert.Contains("model.layers.0.self_attn.q_proj.bias", a.Tensors.Keys);
    }

    [Fact]
    public void ACreatedCheckpointLoadsIntoTheDecoderAndItsStateDictSavesBack()
    {
        ModelFactory.Create(ModelRecipe.Load(RepoFile("models/tiny.json")), _tmp["tiny"], seed: 3);
        long baseline = TensorUtil.LiveTensors;
        using (LoadedCheckpoint loaded = HfCheckpoint.Load(_tmp["tiny"]))
        using (var model = new DecoderModel(loaded.Config))
        using (Tokenizer tokenizer = Tokenizer.Open(_tmp["tiny"]))
        {
            model.LoadStateDict(loaded.Tensors);  // NamedParameters() are exactly the checkpoint's tensor names
            int[] ids = tokenizer.Encode("Two plus two is four.");
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                Tensor logits = model.Forward(torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]));  // [1, T, V]
                Assert.Equal([1L, ids.Length, loaded.Config.VocabSize], logits.shape);
                Assert.All(logits.data<float>().ToArray(), v => Assert.True(float.IsFinite(v)));
            }

            HfCheckpoint.Save(_tmp["again"], loaded.Config, model.StateDict(), new SaveOptions { TokenizerSourceDir = loaded.Directory, Generation = loaded.Generation });
            using LoadedCheckpoint again = HfCheckpoint.Load(_tmp["again"]);
            foreach ((string name, Tensor t) in loaded.Tensors)
                Assert.Equal(t.data<float>().ToArray(), again.Tensors[name].data<float>().ToArray());
            Assert.Equal(File.ReadAllBytes(_tmp["tiny/tokenizer.json"]), File.ReadAllBytes(_tmp["again/tokenizer.json"]));
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void CreateRandomPadsTheVocabularyAndStoresBfloat16WhenAsked()
    {
        var config = new DecoderConfig
        {
            ModelType = "llama", VocabSize = 0, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 1,
            NumAttentionHeads = 2, NumKeyValueHeads = 2, HeadDim = 16, TieWordEmbeddings = false,
        };
        var tokenizer = new TokenizerRecipe { CorpusPath = RepoFile("models/corpus/hybrid-corpus.txt"), VocabSize = 300 };

        CreatedModel created = ModelFactory.CreateRandom(config, tokenizer, _tmp["m"], seed: 1, ScalarType.BFloat16);

        Assert.Equal(300, created.TokenizerVocabSize);
        Assert.Equal(320, created.Config.VocabSize);  // 300 rounded up to a multiple of 64
        using LoadedCheckpoint loaded = HfCheckpoint.Load(_tmp["m"]);
        Assert.Equal("bfloat16", loaded.Config.TorchDtype);
        Assert.Equal([320L, 32], loaded.Tensors["lm_head.weight"].shape);
    }

    [Fact]
    public void ABadRecipeNamesFileAndField()
    {
        string path = _tmp["bad.json"];
        File.WriteAllText(path, """{"tokenizer": {"corpus": "missing.txt"}, "config": {"model_type": "qwen2", "hidden_size": 8}}""");
        var missingCorpus = Assert.Throws<ConfigException>(() => ModelRecipe.Load(path));
        Assert.Contains(path, missingCorpus.Message);
        Assert.Contains("'tokenizer.corpus'", missingCorpus.Message);

        File.WriteAllText(_tmp["c.txt"], "some text");
        File.WriteAllText(path, """{"tokenizer": {"corpus": "c.txt", "vocab_size": 300}, "config": {"model_type": "qwen2", "hidden_size": 8, "num_attention_heads": 2, "num_hidden_layers": 1, "vocab_size": 100}}""");
        var badConfig = Assert.Throws<ConfigException>(() => ModelRecipe.Load(path));
        Assert.Contains(path, badConfig.Message);
        Assert.Contains("'intermediate_size'", badConfig.Message);
    }
}
