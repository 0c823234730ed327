// The SFT trainer end to end on a model folder made here: bit-exact resume, bad rows leave no output, chat masking.
using Hybrid.Data;
using System.Text.Json;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Serialization;
using Hybrid.Training.Data;
using Hybrid.Training.Sft;

namespace Hybrid.Training.Tests;

public sealed class SftTrainerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-sft-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A tiny random Qwen2 checkpoint with a BPE tokenizer trained on arithmetic lines.</summary>
    private string MakeModel()
    {
        string corpus = Path.Combine(_dir, "corpus.txt");
        File.WriteAllLines(corpus, Enumerable.Range(0, 200).Select(i => $"{i % 10}+{i / 10 % 10}={(i % 10 + i / 10 % 10) % 10} is the sum"));
        var config = TinyTask.Config() with { VocabSize = 0, EosTokenIds = [], PadTokenId = null };
        return ModelFactory.CreateRandom(config, new TokenizerRecipe { CorpusPath = corpus, VocabSize = 300 }, Path.Combine(_dir, "model"), seed: 7).Directory;
    }

    private string WriteAdditionJsonl(string name, int rows, int seed)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllLines(path, TinyTask.Addition(rows, seed).Select(e => JsonSerializer.Serialize(new { prompt = e.Prompt, completion = e.Completion })));
        return path;
    }

    [Fact]
    public void ResumingFromACheckpointReproducesTheUninterruptedRunBitForBit()
    {
        string model = MakeModel();
        string data = WriteAdditionJsonl("train.jsonl", 40, seed: 1);
        SftConfig Config(string output, string? resume = null) => new()
        {
            ModelPath = model, TrainData = data, OutputDir = output, ResumeFrom = resume,
            LearningRate = 1e-2, WarmupRatio = 0.2, BatchSize = 8, GradientAccumulationSteps = 2, MaxSteps = 6, SaveSteps = 3, LoggingSteps = 1,
        };
        string straight = Path.Combine(_dir, "straight"), resumed = Path.Combine(_dir, "resumed");
        long baseline = TensorUtil.LiveTensors;
        SftResult a = new SftTrainer(Config(straight)).Train();
        Assert.True(Directory.Exists(Path.Combine(straight, "checkpoint-3")));
        SftResult b = new SftTrainer(Config(resumed, resume: Path.Combine(straight, "checkpoint-3"))).Train();
        Assert.Equal(baseline, TensorUtil.LiveTensors);

        Assert.Equal(6, a.Steps);
        Assert.Equal(6, b.Steps);
        Assert.Equal(a.TrainLoss, b.TrainLoss);
        var wa = SafeTensors.Load(Path.Combine(straight, "model.safetensors"));
        var wb = SafeTensors.Load(Path.Combine(resumed, "model.safetensors"));
        try
        {
            Assert.Equal(wa.Keys.Order(), wb.Keys.Order());
            foreach (string name in wa.Keys) Assert.Equal(wa[name].data<float>().ToArray(), wb[name].data<float>().ToArray());
        }
        finally
        {
            foreach (var t in wa.Values.Concat(wb.Values)) t.Dispose();
        }
        // The resumed run logged steps 4–6 only, with the same values as the straight run.
        string[] straightLog = File.ReadAllLines(Path.Combine(straight, "metrics.jsonl"));
        string[] resumedLog = File.ReadAllLines(Path.Combine(resumed, "metrics.jsonl"));
        Assert.Equal(straightLog[3..], resumedLog);
        Assert.Contains("\"mean_token_accuracy\"", resumedLog[0]);
        // The fine-tuned folder is a complete HF checkpoint: the source's generation config and tokenizer came along.
        Assert.Equal(File.ReadAllText(Path.Combine(model, "generation_config.json")), File.ReadAllText(Path.Combine(straight, "generation_config.json")));
        Assert.Equal(File.ReadAllText(Path.Combine(model, "tokenizer.json")), File.ReadAllText(Path.Combine(resumed, "tokenizer.json")));
        Assert.Contains("\"grad_norm\"", resumedLog[0]);
    }

    [Fact]
    public void ABadRowFailsNamingItsLineAndWritesNothing()
    {
        string model = MakeModel();
        string data = Path.Combine(_dir, "bad.jsonl");
        File.WriteAllLines(data, ["{\"prompt\": \"1+1=\", \"completion\": \"2\"}", "{\"prompt\": \"2+2=\", \"completion\": \"4\"}", "{\"prompt\": \"3+3=\"}"]);
        string output = Path.Combine(_dir, "out");
        var ex = Assert.Throws<DatasetException>(() => new SftTrainer(new SftConfig { ModelPath = model, TrainData = data, OutputDir = output }).Train());
        Assert.Contains("bad.jsonl:3: field 'completion' is missing", ex.Message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void ChatSegmentsCoverTheRenderedTextAndFlagOnlyAssistantTurns()
    {
        ChatMessage[] chat = [ChatMessage.System("be brief"), ChatMessage.User("2+2?"), ChatMessage.Assistant("4"), ChatMessage.User("and 3+3?"), ChatMessage.Assistant("6")];
        var segments = SftTrainer.ChatSegments(chat);
        Assert.Equal(ChatTemplate.Render(chat).Text, string.Concat(segments.Select(s => s.Text)));
        Assert.Equal(["4<|im_end|>", "6<|im_end|>"], segments.Where(s => s.IsAssistant).Select(s => s.Text));
    }

    [Fact]
    public void ConversationalRowsTrainOnExactlyTheAssistantTurnsWithARealTokenizer()
    {
        using var tokenizer = Tokenizer.Open(MakeModel());
        var sft = new SftTokenizer(tokenizer.Encode, tokenizer.EosTokenId!.Value, SftTrainer.ChatSegments, maxLength: 512);
        ChatMessage[] chat = [ChatMessage.System("be brief"), ChatMessage.User("what is 2+2"), ChatMessage.Assistant("4 is the sum"),
                              ChatMessage.User("and 3+3"), ChatMessage.Assistant("6")];
        TokenizedExample example = sft.Tokenize(new SftExample(SftExampleKind.Conversational, "chat:1") { Messages = chat });
        // Decoding the trainable tokens gives back the assistant contents, each with its end-of-turn marker, and nothing else.
        var trained = example.InputIds.Where((_, i) => example.Trainable[i]).ToArray();
        Assert.Equal("4 is the sum<|im_end|>6<|im_end|>", DecodeKeepingSpecials(tokenizer, trained));
        Assert.Equal(ChatTemplate.Render(chat).Text, DecodeKeepingSpecials(tokenizer, example.InputIds));
    }

    /// <summary>The UTF-8 of the tokens' bytes from the vocabulary table (the native decoder would drop special tokens).</summary>
    private static string DecodeKeepingSpecials(Tokenizer tokenizer, int[] ids) =>
        System.Text.Encoding.UTF8.GetString(ids.SelectMany(id => tokenizer.TokenBytes(id).ToArray()).ToArray());

    [Fact]
    public void ConfigValidationNamesTheField()
    {
        var ex = Assert.Throws<ArgumentException>(() => new SftTrainer(new SftConfig { ModelPath = "m", TrainData = "d", OutputDir = "o", GradientAccumulationSteps = 0 }));
        Assert.Contains("SftConfig.GradientAccumulationSteps = 0", ex.Message);
    }
}
