// One turn of a conversation in the TRL/OpenAI message shape: {"role": "system"|"user"|"assistant", "content": "..."}.
namespace Hybrid.Training.Data;

public sealed record ChatMessage(string Role, string Content)
{
    public static readonly IReadOnlyList<string> Roles = ["system", "user", "assistant"];
}
