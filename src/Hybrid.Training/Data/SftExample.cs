// One supervised fine-tuning example in one of TRL's dataset shapes, with where it came from.
using Hybrid.Models.Tokenizers;

namespace Hybrid.Training.Data;

/// <summary>The three TRL dataset shapes an SFT row may take.</summary>
public enum SftExampleKind
{
    /// <summary><c>{"text": ...}</c>: language modelling; every token is trained on.</summary>
    Text,
    /// <summary><c>{"prompt": ..., "completion": ...}</c>: only completion tokens count (completion-only loss).</summary>
    PromptCompletion,
    /// <summary><c>{"messages": [{"role", "content"}, ...]}</c>: only assistant turns count (assistant-only loss).</summary>
    Conversational,
}

/// <summary>
/// A row of an SFT dataset. <see cref="Source"/> is "file:line" (JSONL) or "file:row N" (CSV) so that every later error
/// (too long, no trainable token, …) points back at the row.
/// </summary>
public sealed record SftExample(SftExampleKind Kind, string Source)
{
    public string? Text { get; init; }
    public string? Prompt { get; init; }
    public string? Completion { get; init; }
    public IReadOnlyList<ChatMessage>? Messages { get; init; }
}
