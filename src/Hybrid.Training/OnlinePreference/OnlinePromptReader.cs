// Reads the prompts of an online run (the shared prompt-dataset reader) and encodes each one.
using Hybrid.Training.Loop;
using Hybrid.Data;
using Hybrid.Training.Data;
using Hybrid.Training.Rl;

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// The rows of <see cref="PromptDatasetReader"/> (JSONL or CSV; <c>prompt</c> plus scalar columns for rule rewards),
/// each prompt encoded with the caller's encoder. A prompt that encodes to no tokens is an error naming its line.
/// </summary>
public static class OnlinePromptReader
{
    /// <summary>Reads <paramref name="path"/> and encodes each prompt with <paramref name="encode"/> (e.g. the tokenizer, or the chat template + tokenizer).</summary>
    public static List<OnlinePrompt> Read(string path, Func<string, int[]> encode) => Encode(PromptDatasetReader.Read(path), encode);

    /// <summary>Encodes rows already read (and checked) with <paramref name="encode"/>.</summary>
    public static List<OnlinePrompt> Encode(IEnumerable<PromptRow> rows, Func<string, int[]> encode)
    {
        ArgumentNullException.ThrowIfNull(encode);
        return rows.Select(row =>
        {
            int[] ids = encode(row.Prompt);
            return ids.Length > 0 ? new OnlinePrompt(row.Prompt, ids, row.Columns)
                : throw new DatasetException($"{row.Source}: the prompt encodes to no tokens");
        }).ToList();
    }
}
