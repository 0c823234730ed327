// A model folder's tokenizer: text ↔ ids through onnxruntime-extensions (as GenAI does), plus special ids and offsets.
using System.Text;
using System.Text.Json;
using Hybrid.Onnx.Tokenizers;

namespace Hybrid.Models.Tokenizers;

/// <summary>
/// The tokenizer of a Hugging Face model folder (<c>tokenizer.json</c> + <c>tokenizer_config.json</c>). Encoding and
/// decoding go through <see cref="OrtxTokenizer"/> — the code GenAI runs at rollout time — so training and generation see
/// the same ids. This class adds what the trainers need: the special-token ids named by tokenizer_config.json, the
/// vocabulary size, each token's bytes, and character offsets of each token (byte-level BPE only).
/// </summary>
public sealed class Tokenizer : IDisposable
{
    /// <summary>Largest tokenizer.json read (a 150k-token vocabulary is about 7 MB).</summary>
    public const long MaxTokenizerJsonBytes = 256L << 20;

    private readonly OrtxTokenizer _native;
    private readonly Dictionary<string, int> _ids;   // stored spelling (byte-level for vocab tokens, plain for added) → id
    private readonly byte[]?[] _bytes;               // id → the bytes the token stands for (null: an unused id)

    private Tokenizer(string folder, OrtxTokenizer native, Dictionary<string, int> ids, byte[]?[] bytes, IReadOnlyList<int> specialIds,
        string? bos, string? eos, string? pad, string? chatTemplate, bool byteLevel)
    {
        Folder = folder;
        _native = native;
        _ids = ids;
        _bytes = bytes;
        SpecialTokenIds = specialIds;
        BosToken = bos;
        EosToken = eos;
        PadToken = pad;
        ChatTemplate = chatTemplate;
        IsByteLevel = byteLevel;
    }

    /// <summary>The folder the tokenizer was read from.</summary>
    public string Folder { get; }

    /// <summary>The native tokenizer (the same GenAI uses); owned by this object.</summary>
    public OrtxTokenizer Native => _native;

    /// <summary>Number of ids: one more than the largest id of the vocabulary or the added tokens.</summary>
    public int VocabSize => _bytes.Length;

    /// <summary>Ids of the added tokens marked special (e.g. &lt;|endoftext|&gt;, &lt;|im_start|&gt;, &lt;|im_end|&gt;), ascending.</summary>
    public IReadOnlyList<int> SpecialTokenIds { get; }

    /// <summary><c>bos_token</c> of tokenizer_config.json, or null.</summary>
    public string? BosToken { get; }

    /// <summary><c>eos_token</c> of tokenizer_config.json, or null.</summary>
    public string? EosToken { get; }

    /// <summary><c>pad_token</c> of tokenizer_config.json, or null.</summary>
    public string? PadToken { get; }

    public int? BosTokenId => BosToken is null ? null : TokenId(BosToken);
    public int? EosTokenId => EosToken is null ? null : TokenId(EosToken);
    public int? PadTokenId => PadToken is null ? null : TokenId(PadToken);

    /// <summary><c>chat_template</c> of tokenizer_config.json (Jinja), or null.</summary>
    public string? ChatTemplate { get; }

    /// <summary>True for a byte-level BPE tokenizer (GPT-2, Qwen2, Llama 3 and Hybrid's own), whose tokens are byte strings.</summary>
    public bool IsByteLevel { get; }

    /// <summary>Opens the tokenizer files of <paramref name="folder"/>; errors name the file and the field.</summary>
    public static Tokenizer Open(string folder)
    {
        string root = Path.GetFullPath(folder);
        string jsonPath = Path.Combine(root, "tokenizer.json"), configPath = Path.Combine(root, "tokenizer_config.json");
        foreach (string path in new[] { jsonPath, configPath })
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: missing (a tokenizer folder needs tokenizer.json and tokenizer_config.json)", path);

        var (ids, bytes, specialIds, byteLevel) = ReadVocabulary(jsonPath);
        string? bos, eos, pad, template;
        using (JsonDocument config = Parse(configPath))
        {
            if (config.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{configPath}: not a JSON object");
            bos = TokenField(config.RootElement, "bos_token", configPath);
            eos = TokenField(config.RootElement, "eos_token", configPath);
            pad = TokenField(config.RootElement, "pad_token", configPath);
            template = config.RootElement.TryGetProperty("chat_template", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        }
        foreach ((string field, string? token) in new[] { ("bos_token", bos), ("eos_token", eos), ("pad_token", pad) })
        {
            if (token is not null && !ids.ContainsKey(token))
                throw new InvalidDataException($"{configPath}: field '{field}' = \"{token}\" is not a token of {jsonPath}");
        }
        OrtxTokenizer native = OrtxTokenizer.Open(root);
        return new Tokenizer(root, native, ids, bytes, specialIds, bos, eos, pad, template, byteLevel);
    }

    /// <summary>Token ids of <paramref name="text"/> (special-token spellings in the text become their ids).</summary>
    public int[] Encode(string text) => _native.Encode(text);

    /// <summary>Token ids of each text (unpadded rows).</summary>
    public int[][] EncodeBatch(IReadOnlyList<string> texts) => _native.EncodeBatch(texts);

    /// <summary>The text of <paramref name="ids"/>, special tokens dropped (see <see cref="OrtxTokenizer.Decode"/> for invalid UTF-8).</summary>
    public string Decode(ReadOnlySpan<int> ids) => _native.Decode(ids);

    /// <summary>The id of a token given as stored: a special token's text, or a vocabulary entry's byte-level spelling.</summary>
    /// <exception cref="KeyNotFoundException">No such token.</exception>
    public int TokenId(string token) =>
        _ids.TryGetValue(token, out int id) ? id : throw new KeyNotFoundException($"'{token}' is not a token of {Folder}");

    /// <summary>The bytes token <paramref name="id"/> stands for (a special token: its UTF-8 text). Byte-level tokenizers only.</summary>
    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        if (!IsByteLevel) throw new NotSupportedException($"{Folder}: token bytes are known for byte-level BPE tokenizers only");
        if ((uint)id >= (uint)_bytes.Length || _bytes[id] is null)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"not a token id of {Folder} (vocabulary size {VocabSize})");
        return _bytes[id]!;
    }

    /// <summary>
    /// Encodes <paramref name="text"/> and gives each token its <c>[Start, End)</c> range of UTF-16 characters in the
    /// text. A token holding part of a multi-byte character covers that whole character (neighbours then overlap); a
    /// token the tokenizer adds that is not in the text (an automatic BOS) gets an empty range. Byte-level tokenizers only.
    /// </summary>
    public (int[] Ids, (int Start, int End)[] Offsets) EncodeWithOffsets(string text)
    {
        int[] ids = Encode(text);
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        // charAt[b] = index of the UTF-16 unit starting the code point that holds byte b; charAt[n] = text.Length.
        var charAt = new int[utf8.Length + 1];
        var charEnd = new int[utf8.Length + 1];
        for (int c = 0, b = 0; c < text.Length;)
        {
            int units = char.IsSurrogatePair(text, c) ? 2 : 1;
            int n = Encoding.UTF8.GetByteCount(text.AsSpan(c, units));
            for (int k = 0; k < n; k++) { charAt[b + k] = c; charEnd[b + k] = c + units; }
            b += n;
            c += units;
        }
        charAt[utf8.Length] = charEnd[utf8.Length] = text.Length;

        var offsets = new (int, int)[ids.Length];
        int pos = 0;
        for (int i = 0; i < ids.Length; i++)
        {
            if (ids[i] < 0) throw new InvalidOperationException($"{Folder}: the text holds a character the vocabulary cannot encode (id -1 at token {i})");
            ReadOnlySpan<byte> token = TokenBytes(ids[i]);
            if (utf8.AsSpan(pos).StartsWith(token) && token.Length > 0)
            {
                offsets[i] = (charAt[pos], charEnd[pos + token.Length - 1]);
                pos += token.Length;
            }
            else
            {
                offsets[i] = (charAt[pos], charAt[pos]);  // added by the tokenizer, not spelled in the text
            }
        }
        if (pos != utf8.Length)
            throw new InvalidOperationException($"{Folder}: the tokens spell {pos} of the text's {utf8.Length} bytes (the tokenizer normalises text; offsets unavailable)");
        return (ids, offsets);
    }

    /// <summary>Renders <paramref name="messages"/> with this folder's <c>chat_template</c> (or <paramref name="template"/>) through onnxruntime-extensions.</summary>
    public string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string? template = null) =>
        _native.ApplyChatTemplate(Tokenizers.ChatTemplate.ToMessagesJson(messages), template, addGenerationPrompt);

    public void Dispose() => _native.Dispose();

    private static JsonDocument Parse(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxTokenizerJsonBytes) throw new InvalidDataException($"{path}: {length} bytes is over the {MaxTokenizerJsonBytes}-byte limit");
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException ex) { throw new InvalidDataException($"{path}: not valid JSON ({ex.Message})"); }
    }

    /// <summary>A token field of tokenizer_config.json: a string, an AddedToken object <c>{"content": …}</c>, or null.</summary>
    private static string? TokenField(JsonElement root, string field, string path)
    {
        if (!root.TryGetProperty(field, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out JsonElement c) && c.ValueKind == JsonValueKind.String) return c.GetString();
        throw new InvalidDataException($"{path}: field '{field}' = {v.GetRawText()} is not a token (a string or {{\"content\": …}})");
    }

    private static (Dictionary<string, int>, byte[]?[], IReadOnlyList<int>, bool) ReadVocabulary(string path)
    {
        using JsonDocument doc = Parse(path);
        JsonElement root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: field 'model' is missing or not an object");
        bool byteLevel = IsByteLevelDecoder(root);
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var bytes = new Dictionary<int, byte[]?>();
        if (model.TryGetProperty("vocab", out JsonElement vocab) && vocab.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty p in vocab.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
                    throw new InvalidDataException($"{path}: model.vocab['{p.Name}'] = {p.Value.GetRawText()} is not a non-negative integer id");
                ids[p.Name] = id;
                bytes[id] = byteLevel ? TryByteLevel(p.Name) : null;
            }
        }
        else if (model.TryGetProperty("vocab", out vocab) && vocab.ValueKind == JsonValueKind.Array)
        {
            int id = 0;  // Unigram: [[piece, score], …], ids in order
            foreach (JsonElement entry in vocab.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Array && entry.GetArrayLength() > 0 && entry[0].ValueKind == JsonValueKind.String)
                    ids[entry[0].GetString()!] = id;
                bytes[id++] = null;
            }
        }
        else
        {
            throw new InvalidDataException($"{path}: field 'model.vocab' is missing or not an object or array");
        }

        var special = new List<int>();
        if (root.TryGetProperty("added_tokens", out JsonElement added) && added.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement t in added.EnumerateArray())
            {
                if (t.ValueKind != JsonValueKind.Object
                    || !t.TryGetProperty("id", out JsonElement idElement) || !idElement.TryGetInt32(out int id) || id < 0
                    || !t.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String)
                    throw new InvalidDataException($"{path}: an entry of 'added_tokens' lacks an integer 'id' or a string 'content': {t.GetRawText()}");
                ids[content.GetString()!] = id;
                bytes[id] = Encoding.UTF8.GetBytes(content.GetString()!);
                if (t.TryGetProperty("special", out JsonElement s) && s.ValueKind == JsonValueKind.True) special.Add(id);
            }
        }
        int size = bytes.Count == 0 ? 0 : bytes.Keys.Max() + 1;
        if (size > 16_000_000) throw new InvalidDataException($"{path}: largest token id {size - 1} is implausibly large");
        var table = new byte[]?[size];
        foreach ((int id, byte[]? b) in bytes) table[id] = b;
        special.Sort();
        return (ids, table, special, byteLevel);
    }

    private static byte[]? TryByteLevel(string token)
    {
        var result = new byte[token.Length];
        for (int i = 0; i < token.Length; i++)
            if (!ByteLevelAlphabet.TryByte(token[i], out result[i])) return null;
        return result;
    }

    private static bool IsByteLevelDecoder(JsonElement root)
    {
        if (!root.TryGetProperty("decoder", out JsonElement decoder) || decoder.ValueKind != JsonValueKind.Object) return false;
        if (decoder.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() == "ByteLevel") return true;
        return decoder.TryGetProperty("decoders", out JsonElement list) && list.ValueKind == JsonValueKind.Array
            && list.EnumerateArray().Any(d => d.ValueKind == JsonValueKind.Object && d.TryGetProperty("type", out JsonElement t)
                                              && t.ValueKind == JsonValueKind.String && t.GetString() == "ByteLevel");
    }
}
