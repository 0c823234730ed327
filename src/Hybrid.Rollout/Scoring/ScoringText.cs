// How a scoring row becomes the text the reward model reads: plain concatenation, or the ChatML rendering of a chat.
using Hybrid.Models.Tokenizers;

namespace Hybrid.Rollout.Scoring;

/// <summary>
/// The text scored for each row shape — the same text the reward model was trained on by Hybrid's (and TRL's) reward
/// trainer, so scores mean the same thing at training and at scoring time:
/// <list type="bullet">
/// <item><c>{"prompt", "response" | "completion"}</c> (plain strings): <c>prompt + response</c>, character for character,
/// with nothing inserted between them — a separator the model expects (a space, a newline) belongs in the data, as TRL's
/// "standard" rows concatenate.</item>
/// <item><c>{"messages": [...]}</c>: the whole conversation in ChatML (<see cref="ChatTemplate.Render"/>, no generation
/// prompt), ending <c>&lt;|im_end|&gt;\n</c> — what <c>apply_chat_template(messages, tokenize=False)</c> gives for a
/// Qwen2-style template. The last turn must be the assistant's: it is the response being judged.</item>
/// </list>
/// The reward model reads the score at the last token, so the response's end is what the score is conditioned on.
/// </summary>
public static class ScoringText
{
    /// <summary><c>prompt + response</c>.</summary>
    public static string PromptResponse(string prompt, string response) => prompt + response;

    /// <summary>The ChatML text of <paramref name="messages"/> (its last turn is the assistant's response).</summary>
    /// <exception cref="ArgumentException">A message spells a ChatML marker or has an invalid role.</exception>
    public static string Conversation(IReadOnlyList<ChatMessage> messages) => ChatTemplate.Render(messages).Text;
}
