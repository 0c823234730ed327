// The conversation `hybrid chat` keeps: an optional system prompt and the turns, oldest dropped first to fit the context.
using Hybrid.Models.Tokenizers;

namespace Hybrid.Cli.Chat;

/// <summary>What <see cref="ChatHistory.AddUser"/> did to fit the context.</summary>
/// <param name="Fits">False when the new message alone (with the system prompt) leaves no room for the reply; it was not kept.</param>
/// <param name="DroppedMessages">Oldest messages removed (whole user + assistant exchanges) to make room.</param>
/// <param name="PromptTokens">Tokens of the prompt that will be sent (system prompt, kept turns, generation prompt).</param>
internal readonly record struct ChatFit(bool Fits, int DroppedMessages, int PromptTokens);

/// <summary>
/// The system prompt (never dropped) and the user/assistant turns in order. The prompt sent for a reply must leave
/// <c>reserve</c> tokens (the reply's budget) within <c>context</c> tokens: prompt + reserve ≤ context. When it does not,
/// the oldest exchange (a user message and the reply to it) goes first, until it fits or only the new message is left.
/// </summary>
internal sealed class ChatHistory(string? system)
{
    private readonly List<ChatMessage> _turns = [];

    /// <summary>The messages to send: the system prompt (when given), then the turns.</summary>
    public IReadOnlyList<ChatMessage> Messages => system is null ? _turns : [ChatMessage.System(system), .. _turns];

    public int TurnCount => _turns.Count;

    /// <summary>/reset: forgets every turn; the system prompt stays.</summary>
    public void Reset() => _turns.Clear();

    public void AddAssistant(string text) => _turns.Add(ChatMessage.Assistant(text));

    /// <summary>
    /// Appends the user's message and drops the oldest exchanges until <paramref name="promptTokens"/>(Messages) +
    /// <paramref name="reserve"/> ≤ <paramref name="context"/>. When even the new message alone does not fit, it is
    /// removed again and the earlier turns are left as they were.
    /// </summary>
    public ChatFit AddUser(string text, int context, int reserve, Func<IReadOnlyList<ChatMessage>, int> promptTokens)
    {
        _turns.Add(ChatMessage.User(text));
        int dropped = 0;
        int tokens = promptTokens(Messages);
        while (tokens + reserve > context && dropped < _turns.Count - 1)
        {
            // An exchange is the oldest user message and every reply up to the next user message.
            int end = 1;
            while (end < _turns.Count - 1 - dropped && _turns[dropped + end].Role != ChatMessage.UserRole) end++;
            dropped += end;
            tokens = promptTokens([.. system is null ? [] : new[] { ChatMessage.System(system) }, .. _turns.Skip(dropped)]);
        }
        if (tokens + reserve > context)
        {
            _turns.RemoveAt(_turns.Count - 1);
            return new ChatFit(false, 0, tokens);
        }
        _turns.RemoveRange(0, dropped);
        return new ChatFit(true, dropped, tokens);
    }
}
