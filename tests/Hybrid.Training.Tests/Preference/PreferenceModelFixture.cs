// Test fixture: one tiny random Qwen2 checkpoint with a byte-level BPE tokenizer trained on the synthetic tasks' texts.
using Hybrid.Models.Creation;
using Hybrid.Training.Preference;
using Hybrid.Training.Synthetic;

namespace Hybrid.Training.Tests.Preference;

/// <summary>Created once for every test class in the "preference model" collection; the folder is deleted at the end.</summary>
public sealed class PreferenceModelFixture : IDisposable
{
    public PreferenceModelFixture()
    {
        Root = Directory.CreateTempSubdirectory("hybrid-pref-model-").FullName;
        string corpus = Path.Combine(Root, "corpus.txt");
        var lines = new List<string>();
        foreach (SyntheticTask task in Enum.GetValues<SyntheticTask>())
        {
            SyntheticSplit split = SyntheticPreferenceData.Generate(task, 150, 0, seed: 99, k: 4);
            lines.AddRange(split.Train.Rankings.SelectMany(r => r.Responses.Select(y => r.Prompt + " " + y)));
        }
        File.WriteAllLines(corpus, lines);
        var config = TinyTask.Config() with { VocabSize = 0, EosTokenIds = [], PadTokenId = null };
        ModelDir = ModelFactory.CreateRandom(config, new TokenizerRecipe { CorpusPath = corpus, VocabSize = 320 }, Path.Combine(Root, "model"), seed: 7).Directory;
    }

    /// <summary>Scratch space for the tests' data and outputs.</summary>
    public string Root { get; }

    /// <summary>The checkpoint folder (config.json, model.safetensors, tokenizer files).</summary>
    public string ModelDir { get; }

    /// <summary>A new empty folder under <see cref="Root"/>.</summary>
    public string NewDir(string name) => Directory.CreateDirectory(Path.Combine(Root, $"{name}-{Guid.NewGuid():N}")).FullName;

    /// <summary>Writes rows as JSONL under a new folder and returns the path.</summary>
    public string WriteJsonl(string name, IReadOnlyList<PreferenceExample> rows)
    {
        string path = Path.Combine(NewDir("data"), name + ".jsonl");
        PreferenceDatasetWriter.WriteJsonl(path, rows);
        return path;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

[CollectionDefinition("preference model")]
public sealed class PreferenceModelCollection : ICollectionFixture<PreferenceModelFixture>;
