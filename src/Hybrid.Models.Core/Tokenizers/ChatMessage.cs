// One turn of a conversation: a role (system, user, assistant) and its text.

namespace Hybrid.Models.Tokenizers;

/// <summary>A chat turn, as in the Hugging Face <c>messages</c> list: <c>{"role": "user", "content": "hi"}</c>.</summary>
public sealed record ChatMessage(string Role, string Content)
{
    public const string SystemRole = "system", UserRole = "user", AssistantRole = "assistant";

    public static ChatMessage System(string content) => new(SystemRole, content);
    public static ChatMessage User(string content) => new(UserRole, content);
    public static ChatMessage Assistant(string content) => new(AssistantRole, content);
}
