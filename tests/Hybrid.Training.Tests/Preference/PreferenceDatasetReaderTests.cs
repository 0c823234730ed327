// Preference datasets in TRL's shapes load from JSONL and CSV; bad rows fail naming file, line and field.
using Hybrid.Data;
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Data;
using Hybrid.Training.Preference;

namespace Hybrid.Training.Tests.Preference;

public sealed class PreferenceDatasetReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-prefdata-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void ExplicitPromptPairsWithScoresAndMargin()
    {
        var rows = PreferenceDatasetReader.Read(Write("p.jsonl",
            "{\"prompt\": \"2+2=\", \"chosen\": \"4\", \"rejected\": \"5\", \"chosen_score\": 10, \"rejected_score\": 9, \"margin\": 0.5}\n\n" +
            "{\"prompt\": \"\", \"chosen\": \"a\", \"rejected\": \"b\", \"chosen_score\": 1, \"rejected_score\": 0}\n"));
        Assert.Equal(2, rows.Count);
        Assert.Equal(PreferenceExampleKind.Paired, rows[0].Kind);
        Assert.Equal(("2+2=", "4", "5"), (rows[0].Prompt, rows[0].Chosen, rows[0].Rejected));
        Assert.Equal((10.0, 9.0, 0.5), (rows[0].ChosenScore, rows[0].RejectedScore, rows[0].Margin));
        Assert.Null(rows[1].Margin);
        Assert.EndsWith("p.jsonl:3", rows[1].Source);
        Assert.False(rows[0].Conversational);
    }

    [Theory]
    [InlineData("2+2=4", "2+2=5", "2+2=", "4", "5")]
    [InlineData("the sum is 14", "the sum is 15", "the sum is 1", "4", "5")]
    [InlineData("answer: yes", "answer: no", "answer:", " yes", " no")]      // TRL moves the space ending the prefix into the responses
    [InlineData("2+2=4", "2+2=45", "2+2=4", "", "5")]                         // one text extends the other: the shorter response is just EOS
    public void ImplicitPromptIsTheLongestCommonPrefix(string chosen, string rejected, string prompt, string chosenResponse, string rejectedResponse)
    {
        var rows = PreferenceDatasetReader.Read(Write("i.jsonl", $"{{\"chosen\": \"{chosen}\", \"rejected\": \"{rejected}\"}}\n"));
        Assert.Equal((prompt, chosenResponse, rejectedResponse), (rows[0].Prompt, rows[0].Chosen, rows[0].Rejected));
    }

    [Fact]
    public void ConversationalPairsRenderThroughTheChatTemplate()
    {
        const string user = "{\"role\": \"user\", \"content\": \"2+2?\"}";
        var implicitRows = PreferenceDatasetReader.Read(Write("c.jsonl",
            $"{{\"chosen\": [{user}, {{\"role\": \"assistant\", \"content\": \"4\"}}], \"rejected\": [{user}, {{\"role\": \"assistant\", \"content\": \"5\"}}]}}\n"));
        var explicitRows = PreferenceDatasetReader.Read(Write("e.jsonl",
            $"{{\"prompt\": [{user}], \"chosen\": [{{\"role\": \"assistant\", \"content\": \"4\"}}], \"rejected\": [{{\"role\": \"assistant\", \"content\": \"5\"}}]}}\n"));
        foreach (var row in new[] { implicitRows[0], explicitRows[0] })
        {
            Assert.True(row.Conversational);
            // The prompt is the shared turns plus the generation prompt; each response is the assistant content and its end marker.
            Assert.Equal(ChatTemplate.Render([ChatMessage.User("2+2?")], addGenerationPrompt: true).Text, row.Prompt);
            Assert.Equal("<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n", row.Prompt);
            Assert.Equal(("4<|im_end|>", "5<|im_end|>"), (row.Chosen, row.Rejected));
        }
    }

    [Fact]
    public void CsvCellsHoldingMessageListsAreConversational()
    {
        var rows = PreferenceDatasetReader.Read(Write("c.csv",
            "prompt,chosen,rejected\n" +
            "\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"q\"\"}]\"," +
            "\"[{\"\"role\"\":\"\"assistant\"\",\"\"content\"\":\"\"a\"\"}]\"," +
            "\"[{\"\"role\"\":\"\"assistant\"\",\"\"content\"\":\"\"b\"\"}]\"\n"));
        Assert.True(rows[0].Conversational);
        Assert.Equal("<|im_start|>user\nq<|im_end|>\n<|im_start|>assistant\n", rows[0].Prompt);
        Assert.Equal(("a<|im_end|>", "b<|im_end|>"), (rows[0].Chosen, rows[0].Rejected));
    }

    [Fact]
    public void UnpairedAndRankedRowsFromJsonlAndCsv()
    {
        var unpaired = PreferenceDatasetReader.Read(Write("u.jsonl",
            "{\"prompt\": \"1+1=\", \"completion\": \"2\", \"label\": true}\n{\"prompt\": \"1+1=\", \"completion\": \"3\", \"label\": false}\n"));
        Assert.Equal([true, false], unpaired.Select(r => r.Label!.Value));
        Assert.Equal("3", unpaired[1].Completion);

        var unpairedCsv = PreferenceDatasetReader.Read(Write("u.csv", "prompt,completion,label\n1+1=,2,1\n\"say, hi\",\"hi, there\",FALSE\n"));
        Assert.Equal([true, false], unpairedCsv.Select(r => r.Label!.Value));
        Assert.Equal(("say, hi", "hi, there"), (unpairedCsv[1].Prompt, unpairedCsv[1].Completion));

        var ranked = PreferenceDatasetReader.Read(Write("r.jsonl", "{\"prompt\": \"2+2=\", \"responses\": [\"4\", \"3\", \"9\"], \"rewards\": [10, 9, 5]}\n"));
        Assert.Equal(PreferenceExampleKind.Ranked, ranked[0].Kind);
        Assert.Equal(["4", "3", "9"], ranked[0].Responses);
        Assert.Equal([10.0, 9.0, 5.0], ranked[0].Rewards!);

        var rankedCsv = PreferenceDatasetReader.Read(Write("r.csv", "prompt,responses,rewards\n2+2=,\"[\"\"4\"\",\"\"3\"\"]\",\"[1, 0.5]\"\n"));
        Assert.Equal(["4", "3"], rankedCsv[0].Responses);
        Assert.Equal([1.0, 0.5], rankedCsv[0].Rewards!);
        Assert.EndsWith("r.csv:2 (row 1)", rankedCsv[0].Source);
    }

    [Fact]
    public void CsvPairsWithOptionalScoresAndQuotedLineBreaks()
    {
        var rows = PreferenceDatasetReader.Read(Write("p.csv",
            "prompt,chosen,rejected,chosen_score,rejected_score\n\"line one\nline two\",yes,no,1.5,0.5\n3+4=,7,8,,\n"));
        Assert.Equal("line one\nline two", rows[0].Prompt);
        Assert.Equal((1.5, 0.5), (rows[0].ChosenScore, rows[0].RejectedScore));
        Assert.Null(rows[1].ChosenScore);
        Assert.EndsWith("p.csv:4 (row 2)", rows[1].Source);
    }

    [Fact]
    public void WriterRoundTripsEveryPlainShapeThroughJsonlAndCsv()
    {
        PreferenceExample[][] sets =
        [
            [new(PreferenceExampleKind.Paired, "a") { Prompt = "x, \"y\"", Responses = ["1", " 2"], ChosenScore = 3, RejectedScore = 1.25, Margin = 0.5 }],
            [new(PreferenceExampleKind.Unpaired, "b") { Prompt = "p", Responses = ["c\nd"], Label = false }],
            [new(PreferenceExampleKind.Ranked, "c") { Prompt = "q", Responses = ["a", "b,c", "d"], Rewards = [1, 2, 0.5] }],
        ];
        foreach (PreferenceExample[] rows in sets)
        {
            foreach (string ext in new[] { ".jsonl", ".csv" })
            {
                string path = Path.Combine(_dir, $"w{rows[0].Kind}{ext}");
                if (ext == ".csv") PreferenceDatasetWriter.WriteCsv(path, rows); else PreferenceDatasetWriter.WriteJsonl(path, rows);
                PreferenceExample back = PreferenceDatasetReader.Read(path)[0];
                Assert.Equal((rows[0].Kind, rows[0].Prompt, rows[0].Label, rows[0].ChosenScore, rows[0].RejectedScore, rows[0].Margin),
                             (back.Kind, back.Prompt, back.Label, back.ChosenScore, back.RejectedScore, back.Margin));
                Assert.Equal(rows[0].Responses, back.Responses);
                Assert.Equal(rows[0].Rewards ?? [], back.Rewards ?? []);
            }
        }
    }

    [Theory]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n{\"prompt\": \"p\", \"chosen\": 5, \"rejected\": \"b\"}\n", "bad.jsonl:2: field 'chosen' is neither text nor a list of messages")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"chosen\": \"a\"}\n", "bad.jsonl:1: field 'rejected' is missing")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"a\"}\n", "bad.jsonl:1: field 'rejected' is the same response as 'chosen'")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"chosen_score\": 1}\n", "bad.jsonl:1: field 'rejected_score' is missing")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"margin\": \"wide\"}\n", "bad.jsonl:1: field 'margin' = \"wide\" is not a number")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"completion\": \"a\", \"label\": \"maybe\"}\n", "bad.jsonl:1: field 'label' = \"maybe\" is not a boolean")]
    [InlineData("bad.jsonl", "{\"completion\": \"a\", \"label\": true}\n", "bad.jsonl:1: field 'prompt' is missing")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"], \"rewards\": [1]}\n", "bad.jsonl:1: field 'rewards' has 1 values for 2 responses")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"responses\": [\"a\", \"b\"], \"rewards\": [1, 1]}\n", "bad.jsonl:1: field 'rewards' are all equal")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"responses\": [\"a\"], \"rewards\": [1]}\n", "bad.jsonl:1: field 'responses' has 1 response(s)")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"responses\": [\"a\", 7], \"rewards\": [1, 0]}\n", "bad.jsonl:1: field 'responses[1]' is neither text")]
    [InlineData("bad.jsonl", "{\"chosen\": [{\"role\": \"user\", \"content\": \"q\"}], \"rejected\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n", "bad.jsonl:1: field 'rejected[0].role' = \"robot\" is not one of")]
    [InlineData("bad.jsonl", "{\"chosen\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"user\", \"content\": \"x\"}], \"rejected\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"y\"}]}\n", "bad.jsonl:1: field 'chosen[0].role' = \"user\": a response starts with an assistant turn")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}\n", "bad.jsonl:1: field 'prompt' is text but 'chosen' is a message list")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}\n{\"prompt\": \"p\", \"completion\": \"c\", \"label\": true}\n", "bad.jsonl:2: row is 'completion'/'label' but earlier rows are 'chosen'/'rejected'")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\", \"text\": \"t\"}\n", "bad.jsonl:1: no 'chosen'/'rejected'")]
    [InlineData("bad.jsonl", "[1, 2]\n", "bad.jsonl:1: the line is not a JSON object")]
    [InlineData("bad.csv", "prompt,chosen,rejected\np,a,b\np,a\n", "bad.csv:3")]
    [InlineData("bad.csv", "prompt,chosen,rejected,chosen_score,rejected_score\np,a,b,x,1\n", "bad.csv:2 (row 1): field 'chosen_score' = \"x\" is not a number")]
    [InlineData("bad.csv", "prompt,responses,rewards\np,\"[\"\"a\"\",\"\"b\"\"]\",\"[1,\"\n", "bad.csv:2 (row 1): field 'rewards' is not valid JSON")]
    [InlineData("bad.tsv", "x", "unknown dataset extension '.tsv'")]
    public void BadRowsNameFileLineAndField(string name, string content, string expected)
    {
        string path = Write(name, content);
        var ex = Assert.Throws<DatasetException>(() => PreferenceDatasetReader.Read(path));
        Assert.Contains(expected, ex.Message);
    }
}
