// `hybrid chat` driven in a pseudo-terminal (util-linux `script`): each greedy reply equals `hybrid generate` on the same
// conversation, /reset forgets, old turns are dropped to fit --max-context, a message too long is refused, /exit quits.
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

/// <summary>A tiny model taught four question → answer chats (80 SFT steps, a few seconds), exported once.</summary>
public sealed class ChatFixture : IDisposable
{
    public static readonly (string Question, string Answer)[] Chats = [("What is 2+2?", "4"), ("What is 3+3?", "6"), ("Say hi.", "hi there"), ("What is 1+1?", "2")];

    public string Dir { get; } = Directory.CreateTempSubdirectory("hybrid-chat-").FullName;
    public string Export => Path.Combine(Dir, "export");

    public ChatFixture()
    {
        string data = Path.Combine(Dir, "chats.jsonl");
        File.WriteAllLines(data, Enumerable.Repeat(Chats, 4).SelectMany(c => c).Select(c => JsonSerializer.Serialize(new
        {
            messages = new[] { new { role = "user", content = c.Question }, new { role = "assistant", content = c.Answer } },
        })));
        foreach (string[] args in new[]
        {
            new[] { "init-model", "--preset", "tiny", "--seed", "1", "--out", Path.Combine(Dir, "tiny") },
            ["sft", "--model", Path.Combine(Dir, "tiny"), "--data", data, "--out", Path.Combine(Dir, "sft"), "--assistant-only-loss",
             "--lr", "5e-3", "--max-steps", "80", "--batch-size", "4"],
            ["export", "--model", Path.Combine(Dir, "sft"), "--out", Export],
        })
        {
            var (code, stdout, stderr) = HybridProcess.Run(args);
            if (code != 0) throw new InvalidOperationException($"hybrid {args[0]} failed ({code}): {stdout}\n{stderr}");
        }
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class ChatCliTests(ChatFixture f) : IClassFixture<ChatFixture>
{
    private const int MaxNew = 8;

    [Fact]
    public void GreedyRepliesMatchGenerateOnTheSameConversationAndResetForgets()
    {
        using var chat = new PtyChat("--model", f.Export, "--temperature", "0", "--max-new-tokens", $"{MaxNew}");
        string a1 = chat.Say("What is 2+2?");
        string a2 = chat.Say("What is 3+3?");
        chat.Say("/reset");
        string a3 = chat.Say("What is 3+3?");
        chat.Exit();

        // The reference: our rollout engine (not GenAI's chat client) greedy on the conversation so far.
        string[] expected = Reference(
            [User("What is 2+2?")],
            [User("What is 2+2?"), Assistant(a1), User("What is 3+3?")],
            [User("What is 3+3?")]);
        Assert.Equal(expected, new[] { a1, a2, a3 });
        Assert.Equal("4", a1[..1]);            // the taught answer comes first
        Assert.Contains("(conversation cleared)", chat.Transcript);
        Assert.Equal(0, chat.ExitCode);
    }

    [Fact]
    public void OldTurnsAreDroppedToFitTheContextAndAnOverlongMessageIsNotSent()
    {
        using var chat = new PtyChat("--model", f.Export, "--temperature", "0", "--max-new-tokens", $"{MaxNew}", "--max-context", "50",
                                     "--system", "Be brief.");
        var conversation = new List<JsonObject>();
        var checks = new List<(JsonObject[] Messages, string Reply)>();
        int dropped = 0;
        foreach (string question in new[] { "What is 2+2?", "Say hi.", "What is 3+3?" })
        {
            int before = chat.Transcript.Length;
            string reply = chat.Say(question);
            // The line the session printed before this reply, if it dropped turns: "(dropped the N oldest messages …)".
            string said = chat.Transcript[before..];
            int at = said.IndexOf("(dropped the ", StringComparison.Ordinal);
            if (at >= 0)
            {
                int n = int.Parse(said[(at + 13)..].Split(' ')[0]);
                conversation.RemoveRange(0, n);
                dropped += n;
                Assert.Contains($"oldest messages to fit the context of 50 tokens)", said);
            }
            conversation.Add(User(question));
            checks.Add(([System("Be brief."), .. conversation], reply));
            conversation.Add(Assistant(reply));
        }
        Assert.True(dropped >= 2, chat.Transcript);   // 50 tokens hold one exchange and a question, not three

        string refused = chat.Say(new string('x', 80));
        Assert.Equal("", refused);
        Assert.Matches(@"\(not sent: \d+ prompt tokens \+ 8 for the reply exceed the context of 50 tokens; shorten the message\)", chat.Transcript);
        chat.Exit();

        Assert.Equal(Reference(checks.Select(c => c.Messages).ToArray()), checks.Select(c => c.Reply).ToArray());
        Assert.Equal(0, chat.ExitCode);
    }

    [Fact]
    public void BadOptionsAreOneLine()
    {
        var (code, stdout, stderr) = HybridProcess.Run("chat", "--model", f.Export, "--max-context", "100000");
        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Matches(@"^error: --max-context 100000: must be in 2 … \d+ \(the model's context_length\)$", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
    }

    private static JsonObject User(string text) => new() { ["role"] = "user", ["content"] = text };
    private static JsonObject Assistant(string text) => new() { ["role"] = "assistant", ["content"] = text };
    private static JsonObject System(string text) => new() { ["role"] = "system", ["content"] = text };

    /// <summary>`hybrid generate` greedy on each conversation (a prompt given as a message list), in order.</summary>
    private string[] Reference(params JsonObject[][] conversations)
    {
        string data = Path.Combine(f.Dir, $"ref-{Guid.NewGuid():N}.jsonl"), output = data.Replace(".jsonl", "-out.jsonl");
        File.WriteAllLines(data, conversations.Select(c => new JsonObject { ["prompt"] = new JsonArray(c.Select(m => (JsonNode)m.DeepClone()).ToArray()) }.ToJsonString()));
        var (code, stdout, stderr) = HybridProcess.Run("generate", "--model", f.Export, "--data", data, "--out", output, "--temperature", "0", "--max-new-tokens", $"{MaxNew}");
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        return File.ReadAllLines(output).Select(l => (string)JsonNode.Parse(l)!["completion"]!).ToArray();
    }

    /// <summary>
    /// `hybrid chat ARGS` under <c>script</c>, so that it reads and writes a terminal. <see cref="Say"/> waits for the
    /// prompt, types a line and returns the reply the session printed after it.
    /// </summary>
    private sealed class PtyChat : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly Task _reader;
        private int _typed;

        public PtyChat(params string[] args)
        {
            string dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
            string command = string.Join(' ', new[] { dotnet, HybridProcess.CliDll, "chat" }.Concat(args).Select(a => "'" + a.Replace("'", "'\\''") + "'"));
            var start = new ProcessStartInfo("script") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string a in new[] { "-q", "-e", "-c", command, "/dev/null" }) start.ArgumentList.Add(a);
            _process = Process.Start(start)!;
            _reader = Task.Run(async () =>
            {
                var buffer = new char[4096];
                int n;
                while ((n = await _process.StandardOutput.ReadAsync(buffer)) > 0)
                    lock (_output) _output.Append(buffer, 0, n);
            });
        }

        public string Transcript { get { lock (_output) return _output.ToString().Replace("\r\n", "\n"); } }

        public int ExitCode => _process.ExitCode;

        /// <summary>Types <paramref name="line"/> at the next "you> " prompt; returns the text after "assistant> " ("" if none).</summary>
        public string Say(string line)
        {
            WaitForPrompts(_typed + 1);
            int from = Transcript.Length;
            Type(line);
            WaitForPrompts(_typed + 1);
            string said = Transcript[from..];
            int at = said.IndexOf("assistant> ", StringComparison.Ordinal);
            if (at < 0) return "";
            string reply = said[(at + "assistant> ".Length)..];
            return reply[..reply.LastIndexOf("\nyou> ", StringComparison.Ordinal)];
        }

        public void Exit()
        {
            WaitForPrompts(_typed + 1);
            Type("/exit");
            if (!_process.WaitForExit(60_000)) throw new TimeoutException("hybrid chat did not exit after /exit:\n" + Transcript);
            _reader.Wait();
        }

        private void Type(string line)
        {
            _process.StandardInput.Write(line + "\n");
            _process.StandardInput.Flush();
            _typed++;
        }

        /// <summary>Waits until <paramref name="n"/> "you> " prompts have been printed.</summary>
        private void WaitForPrompts(int n)
        {
            var watch = Stopwatch.StartNew();
            while (Count(Transcript, "you> ") < n)
            {
                if (_process.HasExited) throw new InvalidOperationException($"hybrid chat exited ({_process.ExitCode}):\n{Transcript}\n{_process.StandardError.ReadToEnd()}");
                if (watch.Elapsed > TimeSpan.FromSeconds(120)) throw new TimeoutException("no prompt within 120 s:\n" + Transcript);
                Thread.Sleep(10);
            }
        }

        private static int Count(string text, string part)
        {
            int n = 0;
            for (int i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal)) n++;
            return n;
        }

        public void Dispose()
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}
