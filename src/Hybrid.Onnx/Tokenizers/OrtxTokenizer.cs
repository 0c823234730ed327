// A Hugging Face tokenizer folder (tokenizer.json + tokenizer_config.json) loaded through onnxruntime-extensions.
using System.Text;

namespace Hybrid.Onnx.Tokenizers;

/// <summary>
/// Text ↔ token ids with the same tokenizer GenAI uses for generation (onnxruntime-extensions inside
/// libonnxruntime-genai.so), without loading a model. Supports the families GenAI supports (byte-level BPE such as
/// GPT2Tokenizer / Qwen2Tokenizer, Unigram such as T5Tokenizer); characters missing from a BPE vocabulary encode to -1.
/// Special tokens are added on encode and dropped on decode (the library's defaults).
/// </summary>
public sealed unsafe class OrtxTokenizer : IDisposable
{
    private readonly OrtxObjectHandle _tokenizer;

    private OrtxTokenizer(OrtxObjectHandle tokenizer) => _tokenizer = tokenizer;

    /// <summary>Loads the tokenizer described by the files in <paramref name="folder"/>.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="OrtxException">The library rejected the files (message from onnxruntime-extensions).</exception>
    public static OrtxTokenizer Open(string folder)
    {
        string path = Path.GetFullPath(folder);
        if (!Directory.Exists(path))
            throw new DirectoryNotFoundException($"Tokenizer folder '{path}' does not exist (expected tokenizer.json and tokenizer_config.json in it).");
        OrtxError status = OrtxNative.OrtxCreateTokenizer(out OrtxObjectHandle tokenizer, path);
        if (status != OrtxError.Ok)
        {
            tokenizer.Dispose();
            OrtxNative.Check(status, "OrtxCreateTokenizer");
        }
        return new OrtxTokenizer(tokenizer);
    }

    /// <summary>Token ids of one text.</summary>
    public int[] Encode(string text) => EncodeBatch([text])[0];

    /// <summary>Token ids of each text, one unpadded row per input (rows may differ in length).</summary>
    public int[][] EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
            return [];

        // All inputs as NUL-terminated UTF-8 in one pinned buffer; input[i] points at text i.
        var offsets = new int[texts.Count];
        int total = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i], nameof(texts));
            offsets[i] = total;
            total += Encoding.UTF8.GetByteCount(texts[i]) + 1;
        }
        byte[] utf8 = new byte[total];
        for (int i = 0; i < texts.Count; i++)
            Encoding.UTF8.GetBytes(texts[i], utf8.AsSpan(offsets[i]));

        OrtxObjectHandle ids;
        fixed (byte* buffer = utf8)
        {
            byte*[] pointerArray = new byte*[texts.Count];
            for (int i = 0; i < texts.Count; i++)
                pointerArray[i] = buffer + offsets[i];
            fixed (byte** input = pointerArray)
                OrtxNative.Check(OrtxNative.OrtxTokenize(_tokenizer, input, (nuint)texts.Count, out ids), "OrtxTokenize");
        }

        using (ids)
        {
            OrtxNative.Check(OrtxNative.OrtxTokenId2DArrayGetBatch(ids, out nuint batch), "OrtxTokenId2DArrayGetBatch");
            var rows = new int[(int)batch][];
            for (int i = 0; i < rows.Length; i++)
            {
                OrtxNative.Check(OrtxNative.OrtxTokenId2DArrayGetItem(ids, (nuint)i, out uint* row, out nuint length),
                    "OrtxTokenId2DArrayGetItem");
                // extTokenId_t is uint32_t; ids of unknown characters come back as 0xFFFFFFFF, i.e. -1.
                rows[i] = new ReadOnlySpan<int>(row, (int)length).ToArray();
            }
            return rows;
        }
    }

    /// <summary>
    /// The text of a token-id sequence (special tokens dropped). When the ids' bytes are not valid UTF-8 the library
    /// returns the text up to the first invalid byte followed by a single U+FFFD, dropping the rest.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        if (ids.IsEmpty)
            return string.Empty; // OrtxDetokenize1D rejects an empty input (NULL pointer) with InvalidArgument
        OrtxObjectHandle strings;
        fixed (int* input = ids)
        {
            OrtxNative.Check(OrtxNative.OrtxDetokenize1D(_tokenizer, (uint*)input, (nuint)ids.Length, out strings),
                "OrtxDetokenize1D");
        }
        using (strings)
        {
            OrtxNative.Check(OrtxNative.OrtxStringArrayGetItem(strings, 0, out byte* text), "OrtxStringArrayGetItem");
            return OrtxNative.ReadUtf8(text);
        }
    }

    /// <summary>The id of one vocabulary entry given in its stored form (e.g. <c>"Ġthe"</c> for byte-level BPE).</summary>
    public int TokenToId(string token)
    {
        OrtxNative.Check(OrtxNative.OrtxConvertTokenToId(_tokenizer, token, out uint id), "OrtxConvertTokenToId");
        return unchecked((int)id);
    }

    /// <summary>
    /// Renders a chat (a JSON array of <c>{"role", "content"}</c> messages) with <paramref name="chatTemplate"/>, or with
    /// the <c>chat_template</c> of tokenizer_config.json when it is null.
    /// </summary>
    public string ApplyChatTemplate(string messagesJson, string? chatTemplate = null, bool addGenerationPrompt = true)
    {
        OrtxNative.Check(OrtxNative.OrtxApplyChatTemplate(_tokenizer, chatTemplate, messagesJson, tools: null,
            out OrtxObjectHandle result, addGenerationPrompt, tokenize: false), "OrtxApplyChatTemplate");
        using (result)
        {
            OrtxNative.Check(OrtxNative.OrtxTensorResultGetAt(result, 0, out OrtxObjectHandle tensor), "OrtxTensorResultGetAt");
            using (tensor)
            {
                // Element 0 of the result is a string tensor whose data pointer is the rendered text.
                OrtxNative.Check(OrtxNative.OrtxGetTensorData(tensor, out void* data, out _, out _), "OrtxGetTensorData");
                return OrtxNative.ReadUtf8((byte*)data);
            }
        }
    }

    /// <summary>Releases the native tokenizer.</summary>
    public void Dispose() => _tokenizer.Dispose();
}
