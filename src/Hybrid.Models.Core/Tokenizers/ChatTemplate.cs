// The ChatML chat format: renders conversations, reports where the assistant's text lies, and the same as a Jinja template.
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Hybrid.Models.Tokenizers;

/// <summary>
/// Where one assistant turn lies in a rendered chat, in UTF-16 characters: the content is
/// <c>[ContentStart, ContentEnd)</c>, and <c>[ContentStart, End)</c> adds the closing <c>&lt;|im_end|&gt;</c>, which
/// the model must learn to emit to stop. (The newline after it belongs to the template, not to the turn.)
/// </summary>
public readonly record struct AssistantSpan(int MessageIndex, int ContentStart, int ContentEnd, int End);

/// <summary>A rendered conversation and the character spans of its assistant turns.</summary>
public sealed record RenderedChat(string Text, IReadOnlyList<AssistantSpan> AssistantSpans);

/// <summary>
/// A tokenized conversation. <c>Trainable[i]</c> is true for the tokens of assistant content and its closing
/// <c>&lt;|im_end|&gt;</c> — the tokens SFT computes its loss on; <c>AssistantTokenRanges</c> lists them per turn as
/// <c>[Start, End)</c> token indices.
/// </summary>
public sealed record TokenizedChat(int[] Ids, bool[] Trainable, IReadOnlyList<(int Start, int End)> AssistantTokenRanges, RenderedChat Rendered);

/// <summary>
/// ChatML, the format of Qwen2 and of Hybrid's models: each message is
/// <code>
/// &lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n
/// </code>
/// and the generation prompt is <c>&lt;|im_start|&gt;assistant\n</c>. <see cref="Render"/> is the C# rendering;
/// <see cref="Jinja"/> is the same format as the <c>chat_template</c> written to tokenizer_config.json, which GenAI
/// renders through onnxruntime-extensions (a test checks both give the same text). Unlike Qwen2's template no default
/// system prompt is inserted.
/// </summary>
public static class ChatTemplate
{
    /// <summary>The format as a Hugging Face <c>chat_template</c> (Jinja).</summary>
    public const string Jinja =
        "{% for message in messages %}" +
        "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
        "{% endfor %}" +
        "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /// <summary>Renders <paramref name="messages"/>; with <paramref name="addGenerationPrompt"/> the text ends by opening an assistant turn.</summary>
    /// <exception cref="ArgumentException">A role is empty or holds whitespace, or a message spells a ChatML marker.</exception>
    public static RenderedChat Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        var text = new StringBuilder();
        var spans = new List<AssistantSpan>();
        for (int i = 0; i < messages.Count; i++)
        {
            ChatMessage m = Check(messages[i], i);
            text.Append(SpecialTokens.ImStart).Append(m.Role).Append('\n');
            int start = text.Length;
            text.Append(m.Content);
            int contentEnd = text.Length;
            text.Append(SpecialTokens.ImEnd);
            if (m.Role == ChatMessage.AssistantRole) spans.Add(new AssistantSpan(i, start, contentEnd, text.Length));
            text.Append('\n');
        }
        if (addGenerationPrompt) text.Append(SpecialTokens.ImStart).Append(ChatMessage.AssistantRole).Append('\n');
        return new RenderedChat(text.ToString(), spans);
    }

    /// <summary>
    /// Renders and tokenizes a conversation (the ids equal <c>tokenizer.Encode(Render(…).Text)</c>) and marks the tokens
    /// lying wholly inside an assistant turn's <c>[ContentStart, End)</c> as trainable.
    /// </summary>
    public static TokenizedChat Tokenize(Tokenizer tokenizer, IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt = false)
    {
        RenderedChat rendered = Render(messages, addGenerationPrompt);
        (int[] ids, (int Start, int End)[] offsets) = tokenizer.EncodeWithOffsets(rendered.Text);
        var trainable = new bool[ids.Length];
        var ranges = new List<(int, int)>();
        int t = 0;
        foreach (AssistantSpan span in rendered.AssistantSpans)
        {
            while (t < ids.Length && offsets[t].Start < span.ContentStart) t++;
            int first = t;
            while (t < ids.Length && offsets[t].End <= span.End && offsets[t].Start < span.End)
            {
                trainable[t] = offsets[t].End > offsets[t].Start;
                t++;
            }
            ranges.Add((first, t));
        }
        return new TokenizedChat(ids, trainable, ranges, rendered);
    }

    /// <summary>The messages as the JSON array chat templates take: <c>[{"role": …, "content": …}, …]</c>.</summary>
    public static string ToMessagesJson(IReadOnlyList<ChatMessage> messages)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartArray();
            foreach (ChatMessage m in messages)
            {
                json.WriteStartObject();
                json.WriteString("role", m.Role);
                json.WriteString("content", m.Content);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static ChatMessage Check(ChatMessage m, int index)
    {
        if (string.IsNullOrEmpty(m.Role) || m.Role.Any(char.IsWhiteSpace))
            throw new ArgumentException($"messages[{index}]: role \"{m.Role}\" must be a non-empty word (system, user, assistant, …)");
        foreach (string marker in new[] { SpecialTokens.ImStart, SpecialTokens.ImEnd })
        {
            if (m.Role.Contains(marker, StringComparison.Ordinal) || m.Content.Contains(marker, StringComparison.Ordinal))
                throw new ArgumentException($"messages[{index}] ({m.Role}): the text contains the ChatML marker {marker}, which would break the turn structure");
        }
        return m;
    }
}
