// Turns the fields of one preference row (from JSONL or CSV) into a PreferenceExample, or fails naming the field.
using System.Globalization;
using System.Text.Json;
using Hybrid.Models.Tokenizers;
using Hybrid.Data;
using Hybrid.Training.Data;

namespace Hybrid.Training.Preference;

/// <summary>
/// Reads the shape from the fields present: <c>responses</c> → Ranked (with <c>prompt</c>, <c>rewards</c>); <c>label</c> →
/// Unpaired (with <c>prompt</c>, <c>completion</c>); <c>chosen</c> / <c>rejected</c> → Paired (<c>prompt</c> optional:
/// without it the prompt is the longest common prefix). Text fields are strings, or all message lists
/// (<c>[{"role", "content"}, …]</c>) for a conversational row.
/// </summary>
internal static class PreferenceRowParser
{
    public static PreferenceExample Parse(string where, Func<string, JsonElement?> field)
    {
        var row = new Row(where, field);
        if (row.Has("responses")) return row.Ranked();
        if (row.Has("label")) return row.Unpaired();
        if (row.Has("chosen") || row.Has("rejected")) return row.Paired();
        throw new DatasetException($"{where}: no 'chosen'/'rejected', 'completion'/'label' or 'responses'/'rewards' field " +
                                   "(a preference row is a pair, an unpaired labelled completion or a ranking)");
    }

    /// <summary>A text field's value: plain text or a message list.</summary>
    private readonly record struct Text(string? Plain, IReadOnlyList<ChatMessage>? Messages)
    {
        public bool IsChat => Messages is not null;
    }

    private sealed class Row(string where, Func<string, JsonElement?> field)
    {
        public bool Has(string name) => Get(name) is not null;

        private JsonElement? Get(string name) => field(name);   // JSON null is already an error (DatasetRow)

        private DatasetException Error(string name, string problem) => new($"{where}: field '{name}' {problem}");

        private JsonElement Require(string name, string because) => Get(name) ?? throw Error(name, $"is missing ({because})");

        public PreferenceExample Paired()
        {
            JsonElement chosenField = Require("chosen", "the row has 'rejected'"), rejectedField = Require("rejected", "the row has 'chosen'");
            Text chosen = ParseText("chosen", chosenField), rejected = ParseText("rejected", rejectedField);
            if (chosen.IsChat != rejected.IsChat) throw Error("rejected", chosen.IsChat ? "is text but 'chosen' is a message list" : "is a message list but 'chosen' is text");
            Text? prompt = Get("prompt") is JsonElement p ? ParseText("prompt", p, allowEmpty: true) : null;
            if (prompt is Text pt && pt.IsChat != chosen.IsChat) throw Error("prompt", chosen.IsChat ? "is text but 'chosen' is a message list" : "is a message list but 'chosen' is text");

            string promptText;
            string[] responses;
            if (chosen.IsChat)
            {
                var (promptMessages, chosenTurns, rejectedTurns) = prompt is Text explicitPrompt
                    ? (explicitPrompt.Messages!, chosen.Messages!, rejected.Messages!)
                    : SplitSharedMessages(chosen.Messages!, rejected.Messages!);
                promptText = RenderPrompt(promptMessages);
                responses = [RenderResponse("chosen", promptMessages, chosenTurns), RenderResponse("rejected", promptMessages, rejectedTurns)];
            }
            else if (prompt is Text explicitText)
            {
                promptText = explicitText.Plain!;
                responses = [chosen.Plain!, rejected.Plain!];
            }
            else
            {
                int split = CommonPrefixLength(chosen.Plain!, rejected.Plain!);
                promptText = chosen.Plain![..split];
                responses = [chosen.Plain![split..], rejected.Plain![split..]];
            }
            if (responses[0] == responses[1]) throw Error("rejected", "is the same response as 'chosen'; a pair must differ");

            double? chosenScore = Number("chosen_score"), rejectedScore = Number("rejected_score");
            if (chosenScore.HasValue != rejectedScore.HasValue)
                throw Error(chosenScore.HasValue ? "rejected_score" : "chosen_score", "is missing (scores come in pairs: chosen_score and rejected_score)");
            return new PreferenceExample(PreferenceExampleKind.Paired, where)
            {
                Prompt = promptText, Responses = responses, Conversational = chosen.IsChat,
                ChosenScore = chosenScore, RejectedScore = rejectedScore, Margin = Number("margin"),
            };
        }

        public PreferenceExample Unpaired()
        {
            JsonElement labelField = Get("label")!.Value;
            bool label = labelField.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                JsonValueKind.String when labelField.GetString()!.Trim().ToLowerInvariant() is "true" or "1" => true,
                JsonValueKind.String when labelField.GetString()!.Trim().ToLowerInvariant() is "false" or "0" => false,
                _ => throw Error("label", $"= {labelField.GetRawText()} is not a boolean (true/false)"),
            };
            Text completion = ParseText("completion", Require("completion", "an unpaired row has prompt, completion and label"));
            Text prompt = ParseText("prompt", Require("prompt", "an unpaired row has prompt, completion and label"), allowEmpty: true);
            if (prompt.IsChat != completion.IsChat) throw Error("completion", prompt.IsChat ? "is text but 'prompt' is a message list" : "is a message list but 'prompt' is text");
            return new PreferenceExample(PreferenceExampleKind.Unpaired, where)
            {
                Prompt = prompt.IsChat ? RenderPrompt(prompt.Messages!) : prompt.Plain!,
                Responses = [prompt.IsChat ? RenderResponse("completion", prompt.Messages!, completion.Messages!) : completion.Plain!],
                Conversational = prompt.IsChat, Label = label,
            };
        }

        public PreferenceExample Ranked()
        {
            JsonElement list = Get("responses")!.Value;
            if (list.ValueKind != JsonValueKind.Array) throw Error("responses", "is not a list");
            Text prompt = ParseText("prompt", Require("prompt", "a ranked row has prompt, responses and rewards"), allowEmpty: true);
            var responses = new List<string>();
            int i = 0;
            foreach (JsonElement item in list.EnumerateArray())
            {
                string name = $"responses[{i++}]";
                Text response = ParseText(name, item);
                if (response.IsChat != prompt.IsChat) throw Error(name, prompt.IsChat ? "is text but 'prompt' is a message list" : "is a message list but 'prompt' is text");
                responses.Add(prompt.IsChat ? RenderResponse(name, prompt.Messages!, response.Messages!) : response.Plain!);
            }
            if (responses.Count < 2) throw Error("responses", $"has {responses.Count} response(s); a ranking needs at least 2");
            JsonElement rewardsField = Require("rewards", "a ranked row has one reward per response");
            if (rewardsField.ValueKind != JsonValueKind.Array) throw Error("rewards", "is not a list of numbers");
            var rewards = new List<double>();
            i = 0;
            foreach (JsonElement item in rewardsField.EnumerateArray())
                rewards.Add(NumberOf($"rewards[{i++}]", item));
            if (rewards.Count != responses.Count) throw Error("rewards", $"has {rewards.Count} values for {responses.Count} responses; give one reward per response");
            if (rewards.All(r => r == rewards[0])) throw Error("rewards", "are all equal, so the row ranks nothing; give the better responses higher rewards");
            return new PreferenceExample(PreferenceExampleKind.Ranked, where)
            {
                Prompt = prompt.IsChat ? RenderPrompt(prompt.Messages!) : prompt.Plain!, Responses = responses, Conversational = prompt.IsChat, Rewards = rewards,
            };
        }

        private double? Number(string name) => Get(name) is JsonElement v && !(v.ValueKind == JsonValueKind.String && v.GetString()!.Trim().Length == 0) ? NumberOf(name, v) : null;

        private double NumberOf(string name, JsonElement v)
        {
            double x;
            if (v.ValueKind == JsonValueKind.Number) x = v.GetDouble();
            else if (v.ValueKind != JsonValueKind.String || !double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out x))
                throw Error(name, $"= {v.GetRawText()} is not a number");
            if (!double.IsFinite(x)) throw Error(name, $"= {v.GetRawText()} is not a finite number");
            return x;
        }

        private Text ParseText(string name, JsonElement v, bool allowEmpty = false)
        {
            if (v.ValueKind == JsonValueKind.String)
            {
                string s = v.GetString()!;
                if (!allowEmpty && s.Length == 0) throw Error(name, "is empty");
                return new Text(s, null);
            }
            if (v.ValueKind != JsonValueKind.Array) throw Error(name, "is neither text nor a list of messages");
            var list = DatasetMessages.Parse(where, name, v).Select(m => new ChatMessage(m.Role, m.Content)).ToList();
            if (list.Count == 0 && !allowEmpty) throw Error(name, "is an empty message list");
            return new Text(null, list);
        }

        /// <summary>The shared leading messages are the prompt; the rest of each list is its response.</summary>
        private (IReadOnlyList<ChatMessage>, IReadOnlyList<ChatMessage>, IReadOnlyList<ChatMessage>) SplitSharedMessages(IReadOnlyList<ChatMessage> chosen, IReadOnlyList<ChatMessage> rejected)
        {
            int shared = 0;
            while (shared < chosen.Count && shared < rejected.Count && chosen[shared] == rejected[shared]) shared++;
            if (shared == chosen.Count || shared == rejected.Count)
                throw Error(shared == chosen.Count ? "chosen" : "rejected", "has no message after those it shares with the other response; nothing to compare");
            return (chosen.Take(shared).ToList(), chosen.Skip(shared).ToList(), rejected.Skip(shared).ToList());
        }

        private string RenderPrompt(IReadOnlyList<ChatMessage> prompt)
        {
            try { return ChatTemplate.Render(prompt, addGenerationPrompt: true).Text; }
            catch (ArgumentException ex) { throw Error("prompt", $"cannot be rendered: {ex.Message}"); }
        }

        /// <summary>
        /// The text the response adds after the rendered prompt: from the assistant's content through its closing
        /// &lt;|im_end|&gt; (the template's trailing newline is not part of it, as in SFT's assistant masking).
        /// </summary>
        private string RenderResponse(string name, IReadOnlyList<ChatMessage> prompt, IReadOnlyList<ChatMessage> response)
        {
            if (response.Count == 0) throw Error(name, "has no message");
            if (response[0].Role != ChatMessage.AssistantRole) throw Error($"{name}[0].role", $"= \"{response[0].Role}\": a response starts with an assistant turn");
            if (response[^1].Role != ChatMessage.AssistantRole) throw Error($"{name}[{response.Count - 1}].role", $"= \"{response[^1].Role}\": a response ends with an assistant turn");
            RenderedChat full;
            try { full = ChatTemplate.Render(prompt.Concat(response).ToList()); }
            catch (ArgumentException ex) { throw Error(name, $"cannot be rendered: {ex.Message}"); }
            string promptText = RenderPrompt(prompt);
            return full.Text[promptText.Length..full.AssistantSpans[^1].End];
        }
    }

    /// <summary>
    /// Length of the prompt shared by two texts: their longest common prefix, moved back before a space that ends it (the
    /// space then starts both responses, as TRL's <c>extract_prompt</c> does) and never splitting a surrogate pair.
    /// </summary>
    internal static int CommonPrefixLength(string a, string b)
    {
        int n = 0, max = Math.Min(a.Length, b.Length);
        while (n < max && a[n] == b[n]) n++;
        if (n < max && n > 0 && a[n - 1] == ' ') n--;
        if (n > 0 && n < a.Length && char.IsHighSurrogate(a[n - 1])) n--;
        return n;
    }
}
