// SFT datasets in TRL's three shapes load from JSONL and CSV; bad rows fail naming file, line and field.
using Hybrid.Data;
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Data;

namespace Hybrid.Training.Tests;

public sealed class SftDatasetReaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-sftdata-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    [Fact]
    public void ReadsTheThreeShapesFromJsonl()
    {
        var text = SftDatasetReader.Read(Write("t.jsonl", "{\"text\": \"a b\"}\n\n{\"text\": \"c\"}\n"));
        Assert.Equal([SftExampleKind.Text, SftExampleKind.Text], text.Select(e => e.Kind));
        Assert.Equal("c", text[1].Text);
        Assert.EndsWith("t.jsonl:3", text[1].Source);  // the blank line 2 is skipped but counted

        var pc = SftDatasetReader.Read(Write("pc.jsonl", "{\"prompt\": \"2+2=\", \"completion\": \"4\"}\n"));
        Assert.Equal(("2+2=", "4"), (pc[0].Prompt, pc[0].Completion));

        var chat = SftDatasetReader.Read(Write("c.jsonl",
            "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}, {\"role\": \"assistant\", \"content\": \"hello\"}]}\n"));
        Assert.Equal(SftExampleKind.Conversational, chat[0].Kind);
        Assert.Equal([new ChatMessage("user", "hi"), new ChatMessage("assistant", "hello")], chat[0].Messages);
    }

    [Fact]
    public void ReadsPromptCompletionAndMessagesFromCsvWithQuotedLineBreaks()
    {
        var pc = SftDatasetReader.Read(Write("pc.csv", "prompt,completion\n\"line one\nline two\",\"x, y\"\n3+4=,7\n"));
        Assert.Equal(2, pc.Count);
        Assert.Equal("line one\nline two", pc[0].Prompt);
        Assert.Equal("x, y", pc[0].Completion);
        Assert.EndsWith("pc.csv:4 (row 2)", pc[1].Source);

        var chat = SftDatasetReader.Read(Write("c.csv",
            "messages\n\"[{\"\"role\"\":\"\"user\"\",\"\"content\"\":\"\"q\"\"},{\"\"role\"\":\"\"assistant\"\",\"\"content\"\":\"\"a\"\"}]\"\n"));
        Assert.Equal("a", chat[0].Messages![1].Content);
    }

    [Theory]
    [InlineData("bad.jsonl", "{\"text\": \"ok\"}\n{\"text\": 5}\n", "bad.jsonl:2: field 'text' is not a string")]
    [InlineData("bad.jsonl", "{\"text\": \"ok\"}\n{oops\n", "bad.jsonl:2: not valid JSON")]
    [InlineData("bad.jsonl", "{\"prompt\": \"p\"}\n", "bad.jsonl:1: field 'completion' is missing")]
    [InlineData("bad.jsonl", "{\"text\": \"a\"}\n{\"prompt\": \"p\", \"completion\": \"c\"}\n", "bad.jsonl:2: row is 'prompt'/'completion' but earlier rows are 'text'")]
    [InlineData("bad.jsonl", "{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n", "bad.jsonl:1: field 'messages[0].role' = \"robot\" is not one of")]
    [InlineData("bad.jsonl", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}]}\n", "bad.jsonl:1: field 'messages' has no assistant turn")]
    [InlineData("bad.jsonl", "{\"title\": \"x\"}\n", "bad.jsonl:1: no 'text', 'prompt'/'completion' or 'messages' field")]
    [InlineData("bad.csv", "prompt,completion\np,c\np2\n", "bad.csv:3")]
    [InlineData("bad.csv", "prompt,completion\np,\n", "bad.csv:2 (row 1): field 'completion' is empty")]
    [InlineData("bad.txt", "x", "unknown dataset extension '.txt'")]
    public void BadRowsNameFileLineAndField(string name, string content, string expected)
    {
        string path = Write(name, content);
        var ex = Assert.Throws<DatasetException>(() => SftDatasetReader.Read(path));
        Assert.Contains(expected, ex.Message);
    }
}
