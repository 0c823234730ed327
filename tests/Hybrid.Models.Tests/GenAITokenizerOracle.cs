// The GenAI tokenizer oracle: every call the tests make to the tokenizer GenAI runs goes through this one helper.
using Hybrid.Onnx.Tokenizers;

namespace Hybrid.Models.Tests;

/// <summary>
/// The ids and text GenAI's tokenizer gives for a tokenizer folder, which Hybrid's <c>Tokenizer</c> must equal. It is
/// <see cref="OrtxTokenizer"/>: the onnxruntime-extensions code inside libonnxruntime-genai.so that GenAI's tokenizer
/// runs, sharing no code with Hybrid.Models.Tokenizers or Microsoft.ML.Tokenizers. Re-pointing the oracle (e.g. to
/// <c>Microsoft.ML.OnnxRuntimeGenAI.Tokenizer</c>, whose constructor also wants a genai_config.json in the folder)
/// changes this file only.
/// </summary>
internal static class GenAITokenizerOracle
{
    /// <summary>GenAI's ids for <paramref name="text"/> with the tokenizer files of <paramref name="folder"/>.</summary>
    public static int[] Encode(string folder, string text)
    {
        using OrtxTokenizer tokenizer = OrtxTokenizer.Open(folder);
        return tokenizer.Encode(text);
    }

    /// <summary>GenAI's ids for each of <paramref name="texts"/> (one tokenizer load for all).</summary>
    public static int[][] Encode(string folder, IReadOnlyList<string> texts)
    {
        using OrtxTokenizer tokenizer = OrtxTokenizer.Open(folder);
        return texts.Select(tokenizer.Encode).ToArray();
    }

    /// <summary>GenAI's text for <paramref name="ids"/> (special tokens dropped).</summary>
    public static string Decode(string folder, int[] ids)
    {
        using OrtxTokenizer tokenizer = OrtxTokenizer.Open(folder);
        return tokenizer.Decode(ids);
    }
}
