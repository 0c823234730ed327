// The GenAI tokenizer oracle: every call the tests make to the tokenizer GenAI runs goes through this one helper.
using Hybrid.Onnx;
using Sequences = Microsoft.ML.OnnxRuntimeGenAI.Sequences;
using GenAITokenizer = Microsoft.ML.OnnxRuntimeGenAI.Tokenizer;

namespace Hybrid.Models.Tests;

/// <summary>
/// The ids and text GenAI's tokenizer (<c>Microsoft.ML.OnnxRuntimeGenAI.Tokenizer</c> from the NuGet package: the
/// onnxruntime-extensions code inside libonnxruntime-genai.so) gives for a tokenizer folder, which Hybrid's
/// <c>Tokenizer</c> must equal. It shares no code with Hybrid.Models.Tokenizers or Microsoft.ML.Tokenizers. GenAI's
/// tokenizer reads genai_config.json but needs no model, so the oracle copies the two tokenizer files into a scratch
/// folder beside the smallest genai_config.json it accepts.
/// </summary>
internal static class GenAITokenizerOracle
{
    private const string MinimalGenAIConfig =
        """{"model": {"type": "qwen2", "vocab_size": 1, "context_length": 1, "bos_token_id": 0, "eos_token_id": 0, "pad_token_id": 0}}""";

    /// <summary>GenAI's ids for <paramref name="text"/> with the tokenizer files of <paramref name="folder"/>.</summary>
    public static int[] Encode(string folder, string text) => Encode(folder, [text])[0];

    /// <summary>GenAI's ids for each of <paramref name="texts"/> (one tokenizer load for all).</summary>
    public static int[][] Encode(string folder, IReadOnlyList<string> texts) => With(folder, tokenizer => texts.Select(text =>
    {
        using Sequences sequences = tokenizer.Encode(text);
        return sequences[0].ToArray();
    }).ToArray());

    /// <summary>GenAI's text for <paramref name="ids"/> (special tokens dropped).</summary>
    public static string Decode(string folder, int[] ids) => With(folder, tokenizer => tokenizer.Decode(ids));

    /// <summary>
    /// GenAI's Jinja rendering of <paramref name="messagesJson"/> with the folder's <c>chat_template</c> (an empty
    /// <paramref name="template"/>) or with <paramref name="template"/>.
    /// </summary>
    public static string ApplyChatTemplate(string folder, string messagesJson, bool addGenerationPrompt, string template = "") =>
        With(folder, tokenizer => tokenizer.ApplyChatTemplate(template, messagesJson, "", addGenerationPrompt));

    private static T With<T>(string folder, Func<GenAITokenizer, T> use)
    {
        OnnxNative.EnsureLoaded();
        string scratch = Directory.CreateTempSubdirectory("hybrid-genai-oracle-").FullName;
        try
        {
            foreach (string file in new[] { "tokenizer.json", "tokenizer_config.json" })
                File.Copy(Path.Combine(folder, file), Path.Combine(scratch, file));
            File.WriteAllText(Path.Combine(scratch, "genai_config.json"), MinimalGenAIConfig);
            using var tokenizer = new GenAITokenizer(scratch);
            return use(tokenizer);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
