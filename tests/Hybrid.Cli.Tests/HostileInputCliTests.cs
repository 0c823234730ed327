// Classes 4–6 of the reliability issue through the real CLI: broken tokenizers, data that breaks the shared rules,
// damaged exported models, unwritable outputs, absurd RL sizes and a resume on other data — each one error line, exit 2,
// and nothing left behind.
using System.Text;

namespace Hybrid.Cli.Tests;

public sealed class HostileInputCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Fresh(string name) => Path.Combine(f.Dir, name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Runs hybrid, asserts exit 2 and a single "error: …" line containing every <paramref name="expected"/>; returns the line.</summary>
    private static string Refused(string[] args, params string[] expected)
    {
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 2, $"hybrid {string.Join(' ', args)}: exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: ", line);
        foreach (string e in expected) Assert.Contains(e, line);
        return line;
    }

    /// <summary>Every training or exporting command, reading <paramref name="model"/> and writing <paramref name="output"/>.</summary>
    private string[][] EveryCommand(string model, string output) =>
    [
        ["sft", "--model", model, "--data", f.SftData, "--out", output, "--max-steps", "1"],
        ["dpo", "--model", model, "--data", f.PreferenceData, "--out", output, "--max-steps", "1"],
        ["reward", "--model", model, "--data", f.PreferenceData, "--out", output, "--max-steps", "1"],
        ["export", "--model", model, "--out", output],
        ["rl", "--model", model, "--data", f.Prompts, "--out", output, "--group-size", "2", "--iterations", "1", "--prompts-per-iteration", "2", "--max-new-tokens", "2"],
        ["online-dpo", "--model", model, "--prompts", f.Prompts, "--out", output, "--iterations", "1", "--prompts-per-iteration", "2", "--max-new-tokens", "2"],
    ];

    [Theory]
    [InlineData("tokenizer.json", "", "tokenizer.json: the file is empty")]
    [InlineData("tokenizer.json", "{\"model\": ", "tokenizer.json: not valid JSON")]
    [InlineData("tokenizer_config.json", "{not json", "tokenizer_config.json: not valid JSON")]
    [InlineData("tokenizer_config.json", "[1, 2]", "tokenizer_config.json: not a JSON object")]
    public void ABrokenTokenizerFileIsOneErrorNamingItInEveryCommandAndNothingIsWritten(string file, string content, string message)
    {
        string model = Fresh("broken-tokenizer");
        Directory.CreateDirectory(model);
        foreach (string src in Directory.GetFiles(f.Model)) File.Copy(src, Path.Combine(model, Path.GetFileName(src)));
        File.WriteAllText(Path.Combine(model, file), content);
        foreach (string[] args in EveryCommand(model, Path.Combine(model + "-out")))
        {
            Refused(args, Path.Combine(model, file), message.Split(": ")[1]);
            Assert.False(Directory.Exists(model + "-out"), $"{args[0]} left its --out folder after a tokenizer error");
        }
    }

    [Fact]
    public void AnOutThatIsAFileOrUnwritableIsOneErrorNamingIt()
    {
        string file = Fresh("a-file");
        File.WriteAllText(file, "keep me");
        Refused(["sft", "--model", f.Model, "--data", f.SftData, "--out", file, "--max-steps", "1"], $"--out {file}: is a file");
        Refused(["export", "--model", f.Model, "--out", file], $"--out {file}: is a file");
        Assert.Equal("keep me", File.ReadAllText(file));
        // /proc accepts no new entries, even for root (chmod-based read-only folders do not stop root).
        Refused(["sft", "--model", f.Model, "--data", f.SftData, "--out", "/proc/hybrid-out", "--max-steps", "1"], "--out /proc/hybrid-out: cannot create the folder");
        Refused(["export", "--model", f.Model, "--out", "/proc/hybrid-out"], "cannot write /proc/hybrid-out", "check the path");
    }

    [Fact]
    public void ExportRefusesAFolderThatHoldsSomethingElseUnlessOverwrite()
    {
        string output = Fresh("user-folder");
        Directory.CreateDirectory(output);
        File.WriteAllText(Path.Combine(output, "notes.txt"), "mine");
        Refused(["export", "--model", f.Model, "--out", output], $"--out {output}: the folder is not empty and is not an earlier export", "--overwrite");
        Assert.Equal(["notes.txt"], Directory.GetFileSystemEntries(output).Select(e => Path.GetFileName(e)!).ToArray());
        var (code, _, stderr) = HybridProcess.Run("export", "--model", f.Model, "--out", output, "--overwrite");
        Assert.True(code == 0, stderr);
        Assert.False(File.Exists(Path.Combine(output, "notes.txt")));
        Assert.True(File.Exists(Path.Combine(output, "genai_config.json")));
    }

    public static TheoryData<string, string, string> BadRows => new()
    {
        // file name, content, the message every command gives
        { "null.jsonl", "{\"prompt\": null, \"completion\": \"1\", \"chosen\": \"1\", \"rejected\": \"2\", \"response\": \"1\"}\n", "null.jsonl:1: field 'prompt' is null; omit the field or give it a value" },
        { "twice.csv", "prompt,prompt,completion,chosen,rejected,response\na,b,c,d,e,f\n", "twice.csv:1 (header): column 'prompt' is named twice" },
        { "latin1.jsonl", "{\"prompt\": \"caf\u00e9\", \"completion\": \"1\", \"chosen\": \"1\", \"rejected\": \"2\", \"response\": \"1\"}\n", "latin1.jsonl:1: not valid UTF-8 (column 16, byte 0xE9)" },
    };

    [Theory]
    [MemberData(nameof(BadRows))]
    public void EveryCommandReadsDataByTheSameRules(string name, string content, string message)
    {
        string data = Path.Combine(Fresh("data"), name);
        Directory.CreateDirectory(Path.GetDirectoryName(data)!);
        // latin1.jsonl is written as Latin-1: é is the single byte 0xE9, not valid UTF-8.
        File.WriteAllBytes(data, name.StartsWith("latin1") ? Encoding.Latin1.GetBytes(content) : Encoding.UTF8.GetBytes(content));
        string output = Fresh("out");
        foreach (string command in new[] { "sft", "dpo", "reward", "rl", "score" })
        {
            string[] args = command switch
            {
                "rl" => ["rl", "--model", f.Model, "--data", data, "--out", output, "--group-size", "2", "--iterations", "1", "--max-new-tokens", "2"],
                "score" => ["score", "--model", f.Model, "--data", data, "--out", output + Path.GetExtension(data)],
                _ => [command, "--model", f.Model, "--data", data, "--out", output, "--max-steps", "1"],
            };
            Refused(args, data + message[name.Length..]);
            Assert.False(Directory.Exists(output) || File.Exists(output + Path.GetExtension(data)), $"{command} wrote output for bad data");
        }
    }

    [Theory]
    [InlineData("rl")]
    [InlineData("online-dpo")]
    public void APromptsFileWithoutTheRewardsColumnIsRefusedBeforeAnythingIsExported(string command)
    {
        string data = Fresh("no-answer") + ".jsonl";
        File.WriteAllText(data, "{\"prompt\": \"1+1=\", \"answer\": \"2\"}\n{\"prompt\": \"2+2=\"}\n");
        string output = Fresh(command);
        string[] args = command == "rl"
            ? ["rl", "--model", f.Model, "--data", data, "--out", output, "--group-size", "2", "--iterations", "1", "--max-new-tokens", "2"]
            : ["online-dpo", "--model", f.Model, "--prompts", data, "--out", output, "--iterations", "1", "--max-new-tokens", "2"];
        Refused(args, $"{data}:2: the reward needs column 'answer' in every row", "--reward");
        Assert.False(Directory.Exists(output), $"{command} wrote (or exported into) --out before checking its prompts");
    }

    [Theory]
    [InlineData("100000", "2", "--group-size 100000: must be in [1, 1024]")]
    [InlineData("1000", "1000", "--group-size 1000 × --prompts-per-iteration 1000 = 1,000,000 sequences")]
    public void AnRlIterationTooLargeForTheMachineIsRefusedBeforeAllocation(string group, string prompts, string message)
    {
        string output = Fresh("rl-big");
        Refused(["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--group-size", group, "--prompts-per-iteration", prompts, "--iterations", "1"], message);
        Assert.False(Directory.Exists(output));
    }

    [Fact]
    public void RlWithoutAGroupSizeForAPresetThatHasNoneNamesTheFlag() =>
        Refused(["rl", "--model", f.Model, "--data", f.Prompts, "--out", Fresh("rl-g"), "--preset", "grpo", "--iterations", "1"],
                "--group-size: preset 'grpo' has no default number of samples per prompt");

    [Fact]
    public void ResumingOnOtherDataIsRefusedNamingBothFiles()
    {
        string output = Fresh("resume");
        var first = HybridProcess.Run("sft", "--model", f.Model, "--data", f.SftData, "--out", output, "--max-steps", "4", "--save-steps", "2", "--batch-size", "2");
        Assert.True(first.ExitCode == 0, first.Stderr);
        string other = Fresh("other") + ".jsonl";
        File.WriteAllLines(other, File.ReadLines(f.SftData).Take(6));
        string checkpoint = Path.Combine(output, "checkpoint-2");
        byte[] metrics = File.ReadAllBytes(Path.Combine(output, "metrics.jsonl"));
        Refused(["sft", "--model", f.Model, "--data", other, "--out", output, "--max-steps", "4", "--save-steps", "2", "--batch-size", "2", "--resume-from", checkpoint],
                $"--resume-from {checkpoint}: the checkpoint was trained on other data (24 rows", "than --data (6 rows");
        Assert.Equal(metrics, File.ReadAllBytes(Path.Combine(output, "metrics.jsonl")));
    }

    [Fact]
    public void OnlineDpoTakesRlsNamesForItsPromptFiles()
    {
        string missing = Fresh("missing") + ".jsonl";
        Refused(["online-dpo", "--model", f.Model, "--data", missing, "--out", Fresh("od"), "--iterations", "1"], $"{missing}: file not found");
        Refused(["online-dpo", "--model", f.Model, "--data", f.Prompts, "--eval-data", missing, "--out", Fresh("od"), "--iterations", "1"], $"{missing}: file not found");
    }
}

public sealed class ScoreModelFilesCliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("hybrid-score-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ADamagedExportOrALengthBeyondTheModelIsOneErrorAndNoOutput()
    {
        string P(string name) => Path.Combine(_dir, name);
        Assert.Equal(0, HybridProcess.Run("init-model", "--preset", "tiny", "--out", P("tiny")).ExitCode);
        File.WriteAllLines(P("pref.jsonl"), Enumerable.Range(0, 4).Select(i => $"{{\"prompt\": \"{i}+1=\", \"chosen\": \"{i + 1}\", \"rejected\": \"{i + 2}\"}}"));
        var rm = HybridProcess.Run("reward", "--model", P("tiny"), "--data", P("pref.jsonl"), "--out", P("rm"), "--max-steps", "1", "--batch-size", "2");
        Assert.True(rm.ExitCode == 0, rm.Stderr);
        var export = HybridProcess.Run("export", "--model", P("rm"), "--out", P("rm-onnx"));
        Assert.True(export.ExitCode == 0, export.Stderr);
        File.WriteAllText(P("rows.jsonl"), "{\"prompt\": \"1+1=\", \"response\": \"2\"}\n");

        void Refused(string model, string[] extra, params string[] expected)
        {
            var (code, stdout, stderr) = HybridProcess.Run(["score", "--model", model, "--data", P("rows.jsonl"), "--out", P("scored.jsonl"), .. extra]);
            Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
            string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            foreach (string e in expected) Assert.Contains(e, line);
            Assert.False(File.Exists(P("scored.jsonl")));
        }

        Refused(P("rm-onnx"), ["--max-length", "100000"], "--max-length 100000: beyond the model's max_position_embeddings 512");
        foreach ((string file, Action<string> damage, string reason) in new (string, Action<string>, string)[]
        {
            ("model.onnx", path => File.WriteAllBytes(path, File.ReadAllBytes(path)[..1000]), "Protobuf parsing failed"),
            ("model.onnx", path => File.WriteAllBytes(path, []), "No graph was found"),
            ("model.onnx.data", path => { using var s = File.OpenWrite(path); s.SetLength(1000); }, "out of bounds"),
        })
        {
            string damaged = P("damaged-" + Guid.NewGuid().ToString("N")[..6]);
            Directory.CreateDirectory(damaged);
            foreach (string src in Directory.GetFiles(P("rm-onnx"))) File.Copy(src, Path.Combine(damaged, Path.GetFileName(src)));
            damage(Path.Combine(damaged, file));
            Refused(damaged, [], $"{Path.Combine(damaged, "model.onnx")}: ONNX Runtime cannot load this model", reason, "export the reward model again");
        }
    }
}
