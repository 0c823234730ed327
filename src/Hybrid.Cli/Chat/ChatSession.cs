// The read–reply loop of `hybrid chat`: commands, context fitting, and the reply streamed token by token.
using Hybrid.Models.Tokenizers;
using Microsoft.Extensions.AI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using ChatMessage = Hybrid.Models.Tokenizers.ChatMessage;

namespace Hybrid.Cli.Chat;

/// <summary>
/// Reads a line, answers it, repeats until <c>/exit</c> or the end of input. Each reply is written as the client streams
/// it; Ctrl+C during a reply stops that reply (what came so far is kept in the history), Ctrl+C at the prompt quits.
/// </summary>
internal sealed class ChatSession(IChatClient client, ChatOptions options, ChatHistory history, Tokenizer tokenizer, int context, TextReader input, TextWriter output)
{
    public const string UserPrompt = "you> ", AssistantPrompt = "assistant> ";

    public void Run()
    {
        CancellationTokenSource? replying = null;
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (replying is { } r) { e.Cancel = true; r.Cancel(); }
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            while (true)
            {
                output.Write(UserPrompt);
                output.Flush();
                string? line = input.ReadLine();
                if (line is null) { output.WriteLine(); return; }
                line = line.Trim();
                if (line.Length == 0) continue;
                if (line == "/exit") return;
                if (line == "/reset")
                {
                    history.Reset();
                    output.WriteLine("(conversation cleared)");
                    continue;
                }
                if (line.StartsWith('/'))
                {
                    output.WriteLine($"(unknown command {line.Split(' ')[0]}: /reset clears the conversation, /exit quits)");
                    continue;
                }
                int reserve = options.MaxOutputTokens ?? 0;
                ChatFit fit = history.AddUser(line, context, reserve, PromptTokens);
                if (!fit.Fits)
                {
                    output.WriteLine($"(not sent: {fit.PromptTokens} prompt tokens + {reserve} for the reply exceed the context of {context} tokens; shorten the message)");
                    continue;
                }
                if (fit.DroppedMessages > 0)
                    output.WriteLine($"(dropped the {fit.DroppedMessages} oldest messages to fit the context of {context} tokens)");
                output.Write(AssistantPrompt);
                output.Flush();
                replying = new CancellationTokenSource();
                string reply = Stream(replying.Token).GetAwaiter().GetResult();
                replying.Dispose();
                replying = null;
                output.WriteLine();
                history.AddAssistant(reply);
            }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    /// <summary>
    /// Writes the reply as it streams and returns its text (what came before a Ctrl+C, if one came). Each piece is written
    /// when the next one arrives: GenAI's client (0.18) yields one last piece for the end-of-turn token that ended the
    /// reply, and its token stream decodes that token as the previous piece over again ("4" then "4"). A reply that
    /// finished with <see cref="ChatFinishReason.Stop"/> ended on that token, so its last piece is dropped.
    /// </summary>
    private async Task<string> Stream(CancellationToken cancel)
    {
        var text = new System.Text.StringBuilder();
        string? held = null;
        void Write(string piece)
        {
            text.Append(piece);
            output.Write(piece);
            output.Flush();
        }
        IEnumerable<AiChatMessage> messages = history.Messages.Select(m => new AiChatMessage(new ChatRole(m.Role), m.Content));
        try
        {
            await foreach (ChatResponseUpdate update in client.GetStreamingResponseAsync(messages, options, cancel))
            {
                if (update.FinishReason is { } finish)
                {
                    if (finish != ChatFinishReason.Stop && held is not null) Write(held);
                    held = null;
                }
                else if (update.Text.Length > 0)
                {
                    if (held is not null) Write(held);
                    held = update.Text;
                }
            }
        }
        catch (OperationCanceledException)
        {
            if (held is not null) Write(held);
            output.Write(" (stopped)");
        }
        return text.ToString();
    }

    /// <summary>The prompt's length in tokens, rendered with the folder's chat template as the client renders it.</summary>
    private int PromptTokens(IReadOnlyList<ChatMessage> messages) =>
        tokenizer.Encode(tokenizer.ApplyChatTemplate(messages, addGenerationPrompt: true)).Length;
}
