// The prompts file of online runs: "prompt" plus columns, errors with file and line.
using Hybrid.Data;
using Hybrid.Training.Data;
using Hybrid.Training.OnlinePreference;
using Hybrid.Training.Tests.Online;

namespace Hybrid.Training.Tests.OnlinePreference;

public sealed class OnlinePromptReaderTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"prompts-{Guid.NewGuid():N}.jsonl");

    public void Dispose() => File.Delete(_path);

    [Fact]
    public void PromptsAreEncodedAndOtherScalarFieldsBecomeColumns()
    {
        File.WriteAllLines(_path, ["{\"prompt\": \"2+3=\", \"answer\": \"5\", \"level\": 2.5, \"hard\": false, \"meta\": {\"x\": 1}}", "", "{\"prompt\": \"1+1=\", \"answer\": 2}"]);
        List<OnlinePrompt> rows = OnlinePromptReader.Read(_path, BytePolicy.Bytes);
        Assert.Equal(2, rows.Count);
        Assert.Equal("2+3=", rows[0].Text);
        Assert.Equal(BytePolicy.Bytes("2+3="), rows[0].Ids);
        Assert.Equal(new Dictionary<string, string> { ["answer"] = "5", ["level"] = "2.5", ["hard"] = "false" }, rows[0].Columns);
        Assert.Equal("2", rows[1].Columns["answer"]);
    }

    [Theory]
    [InlineData("{\"question\": \"2+3=\"}", ":1: needs a non-empty string field \"prompt\"")]
    [InlineData("{\"prompt\": \"\"}", ":1: needs a non-empty string field \"prompt\"")]
    [InlineData("[1, 2]", ":1: the line is not a JSON object")]
    [InlineData("{\"prompt\": ", ":1: not valid JSON")]
    public void BadRowsNameTheFileAndLine(string line, string expected)
    {
        File.WriteAllLines(_path, [line]);
        var e = Assert.Throws<DatasetException>(() => OnlinePromptReader.Read(_path, BytePolicy.Bytes));
        Assert.Contains(_path + expected, e.Message);
    }

    [Fact]
    public void AnEmptyFileIsAnError()
    {
        File.WriteAllLines(_path, ["", " "]);
        Assert.Contains("no prompts", Assert.Throws<DatasetException>(() => OnlinePromptReader.Read(_path, BytePolicy.Bytes)).Message);
    }
}
