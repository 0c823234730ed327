// Scoring files end to end: JSONL and CSV round trips keep every row, field and the order; bad rows leave no output.
using Hybrid.Data;
using System.Globalization;
using System.Text.Json.Nodes;
using CsvHelper;
using Hybrid.Models.Creation;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout.Scoring;

namespace Hybrid.Rollout.Tests;

public sealed class ScoringFileTests : IDisposable
{
    private readonly ScoringTempDir _tmp = new();
    private readonly float[] _values;
    private readonly OnnxRewardScorer _scorer;

    public ScoringFileTests()
    {
        CreatedModel created = ScoringTestKit.CreateCheckpoint(_tmp.Path);
        _values = ScoringTestKit.TokenValues(created.Config.VocabSize);
        ScoringTestKit.WriteMeanTokenScoreModel(created.Directory, _values);
        _scorer = OnnxRewardScorer.Open(created.Directory, new RewardScorerOptions { BatchSize = 3, IntraOpThreads = 1 });
    }

    public void Dispose()
    {
        _scorer.Dispose();
        _tmp.Dispose();
    }

    private float Expected(string text) => ScoringTestKit.MeanTokenScore(_values, _scorer.Tokenizer.Encode(text));

    [Fact]
    public void JsonlRoundTripAddsAScoreToEveryRowAndKeepsOrderAndOtherFields()
    {
        string input = _tmp["rows.jsonl"], output = _tmp["scored.jsonl"];
        string[] lines =
        [
            """{"id": 1, "prompt": "What is 2+3? ", "response": "The answer is 5.", "meta": {"k": [1, 2]}}""",
            "",
            """{"id": 2, "prompt": "Hi", "completion": " there"}""",
            """{"id": 3, "messages": [{"role": "user", "content": "what is 1+1?"}, {"role": "assistant", "content": "2"}]}""",
            """{"id": 4, "prompt": "Question 7: what is 9+9? The answer is", "response": " 18, said the assistant.", "score": -5}""",
        ];
        File.WriteAllLines(input, lines);

        var calls = new List<(int, int)>();
        ScoringSummary summary = ScoringJob.Run(input, output, _scorer, (done, total) => calls.Add((done, total)));

        Assert.Equal(4, summary.Rows);
        Assert.Equal((4, 4), calls[^1]);
        JsonObject[] written = File.ReadAllLines(output).Select(l => (JsonObject)JsonNode.Parse(l)!).ToArray();
        Assert.Equal([1, 2, 3, 4], written.Select(o => (int)o["id"]!));
        string chat = ChatTemplate.Render([ChatMessage.User("what is 1+1?"), ChatMessage.Assistant("2")]).Text;
        Assert.Equal("<|im_start|>user\nwhat is 1+1?<|im_end|>\n<|im_start|>assistant\n2<|im_end|>\n", chat);
        string[] texts = ["What is 2+3? The answer is 5.", "Hi there", chat, "Question 7: what is 9+9? The answer is 18, said the assistant."];
        for (int i = 0; i < 4; i++)
            Assert.Equal(Expected(texts[i]), (float)written[i]["score"]!, 1e-6f);
        // Every other field is written back as read; an existing score is replaced in place.
        Assert.Equal("""{"k":[1,2]}""", written[0]["meta"]!.ToJsonString());
        Assert.Equal(["id", "prompt", "response", "score"], written[3].Select(p => p.Key));
        Assert.Equal(["id", "prompt", "completion", "score"], written[1].Select(p => p.Key));
    }

    [Fact]
    public void CsvRoundTripAppendsAScoreColumnAndKeepsCellsAndOrder()
    {
        string input = _tmp["rows.csv"], output = _tmp["scored.csv"];
        File.WriteAllText(input,
            "id,prompt,response,note\r\n" +
            "a,\"What is 2+3?\n\",The answer is 5.,\"quoted, with comma\"\r\n" +
            "b,Hi,\" there\",\r\n" +
            "c,Question 1: what is 1+2?,\" The answer is 3.\",\"say \"\"hi\"\"\"\r\n");

        ScoringSummary summary = ScoringJob.Run(input, output, _scorer);
        Assert.Equal(3, summary.Rows);

        using CsvReader csv = CsvReader.FromFile(output, new CsvReaderOptions { AllowLineBreaksInQuotes = true });
        Assert.Equal(["id", "prompt", "response", "note", "score"], csv.Headers.ToArray());
        var rows = new List<string[]>();
        while (csv.Read()) rows.Add(csv.Headers.Select(h => csv.GetString(h)).ToArray());
        Assert.Equal(["a", "What is 2+3?\n", "The answer is 5.", "quoted, with comma"], rows[0][..4]);
        Assert.Equal(["b", "Hi", " there", ""], rows[1][..4]);
        Assert.Equal(["c", "Question 1: what is 1+2?", " The answer is 3.", "say \"hi\""], rows[2][..4]);
        string[] texts = ["What is 2+3?\nThe answer is 5.", "Hi there", "Question 1: what is 1+2? The answer is 3."];
        for (int i = 0; i < 3; i++)
            Assert.Equal(Expected(texts[i]), float.Parse(rows[i][4], CultureInfo.InvariantCulture), 1e-6f);
    }

    [Theory]
    [InlineData(".jsonl", "{\"prompt\": \"a\", \"response\": \"b\"}\n{\"prompt\": \"a\", \"response\": 3}\n", "rows.jsonl:2: field 'response' is not a string")]
    [InlineData(".jsonl", "{\"prompt\": \"a\", \"response\": \"b\"}\n\n{\"prompt\": \"a\"}\n", "rows.jsonl:3: field 'response' (or 'completion') is missing")]
    [InlineData(".jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n", "rows.jsonl:1: field 'messages[0].role' = \"user\": the last turn must be the assistant's")]
    [InlineData(".jsonl", "{\"messages\": [{\"role\": \"bot\", \"content\": \"hi\"}]}\n", "rows.jsonl:1: field 'messages[0].role' = \"bot\" is not one of")]
    [InlineData(".jsonl", "{\"prompt\": \"a\", \"response\": \"b\", \"completion\": \"c\"}\n", "rows.jsonl:1: the row has both 'response' and 'completion'")]
    [InlineData(".jsonl", "{\"prompt\": \"a\", \"response\": \"b\"}\n[1]\n", "rows.jsonl:2: the line is not a JSON object")]
    [InlineData(".csv", "prompt,response\na,b\nc\n", "rows.csv:3 (row 2): malformed CSV")]
    [InlineData(".csv", "prompt,response\na,b\nc,d\n\"\",\"\"\n", "rows.csv:4 (row 3): fields 'prompt' and 'response' are both empty")]
    [InlineData(".csv", "prompt,text\na,b\n", "rows.csv:2 (row 1): field 'response' (or 'completion') is missing")]
    [InlineData(".csv", "messages\n\"[{\"\"role\"\": \"\"assistant\"\"}]\"\n", "rows.csv:2 (row 1): field 'messages[0].content' is missing")]
    public void ABadRowFailsNamingFileRowAndFieldAndWritesNoOutput(string ext, string content, string expected)
    {
        string input = _tmp["rows" + ext], output = _tmp["scored" + ext];
        File.WriteAllText(input, content);
        var ex = Assert.Throws<DatasetException>(() => ScoringJob.Run(input, output, _scorer));
        Assert.True(ex.Message.Contains(expected, StringComparison.Ordinal), ex.Message);
        Assert.StartsWith(input, ex.Message);
        Assert.False(File.Exists(output));
        Assert.Equal(["rows" + ext], Directory.GetFiles(_tmp.Path, "*" + ext).Select(Path.GetFileName));   // no temp file left either
    }

    [Fact]
    public void TheOutputMustKeepTheInputFormat()
    {
        string input = _tmp["rows.jsonl"];
        File.WriteAllText(input, "{\"prompt\": \"a\", \"response\": \"b\"}\n");
        var ex = Assert.Throws<ArgumentException>(() => ScoringJob.Run(input, _tmp["scored.csv"], _scorer));
        Assert.Contains("keeps the input's format", ex.Message);
    }
}
