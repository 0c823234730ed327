// Turns SFT rows into token ids and loss masks: completion-only and assistant-only masking, EOS, truncation.
using Hybrid.Data;
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Data;

namespace Hybrid.Training.Sft;

/// <summary>
/// Tokenizes each row as a list of text segments, each trainable or not, encoded separately and concatenated, so a mask
/// boundary is always a token boundary:
/// <list type="bullet">
/// <item>text → [text ✓] + EOS ✓</item>
/// <item>prompt/completion → [prompt ✗ (✓ without completion-only loss)] [completion ✓] + EOS ✓ — the prompt is encoded
/// alone, exactly as the rollout engine will encode it at generation time</item>
/// <item>messages → the chat format's segments: assistant content and its end-of-turn marker ✓, all else ✗ (all ✓ without
/// assistant-only loss)</item>
/// </list>
/// Rows longer than <c>maxLength</c> are truncated at the end; a row left with no trainable target is an error naming it.
/// </summary>
public sealed class SftTokenizer(
    Func<string, int[]> encode,
    int eosTokenId,
    Func<IReadOnlyList<ChatMessage>, IReadOnlyList<(string Text, bool IsAssistant)>> chatSegments,
    int maxLength,
    bool completionOnlyLoss = true,
    bool assistantOnlyLoss = true)
{
    public TokenizedExample Tokenize(SftExample example)
    {
        var segments = example.Kind switch
        {
            SftExampleKind.Text => [(example.Text!, true)],
            SftExampleKind.PromptCompletion => [(example.Prompt!, !completionOnlyLoss), (example.Completion!, true)],
            _ => chatSegments(example.Messages!).Select(s => (s.Text, s.IsAssistant || !assistantOnlyLoss)).ToList(),
        };
        var ids = new List<int>();
        var trainable = new List<bool>();
        foreach (var (text, train) in segments)
        {
            if (text.Length == 0) continue;
            int[] piece = encode(text);
            ids.AddRange(piece);
            trainable.AddRange(Enumerable.Repeat(train, piece.Length));
        }
        if (example.Kind != SftExampleKind.Conversational)  // chat formats end each turn with their own marker
        {
            ids.Add(eosTokenId);
            trainable.Add(true);
        }
        if (ids.Count > maxLength)
        {
            ids.RemoveRange(maxLength, ids.Count - maxLength);
            trainable.RemoveRange(maxLength, trainable.Count - maxLength);
        }
        var result = new TokenizedExample(ids.ToArray(), trainable.ToArray(), example.Source);
        if (result.TrainableCount == 0)
            throw new DatasetException($"{example.Source}: no trainable token left after tokenization" +
                (ids.Count == maxLength ? $" and truncation to --max-length {maxLength} (the prompt alone fills it; raise --max-length)" : ""));
        return result;
    }
}
