// A model folder's tokenizer: text ↔ ids through Microsoft.ML.Tokenizers with GenAI's ids, plus special ids, token bytes and offsets.
using System.Text;
using System.Text.Json;

namespace Hybrid.Models.Tokenizers;

/// <summary>
/// The tokenizer of a Hugging Face model folder (<c>tokenizer.json</c> + <c>tokenizer_config.json</c>) holding a
/// byte-level BPE (GPT-2, Qwen2, Llama 3 and Hybrid's own). Encoding and decoding go through Microsoft.ML.Tokenizers'
/// <c>BpeTokenizer</c> and give the ids GenAI's tokenizer gives (tests compare the two), so training and generation see
/// the same ids. This class adds what the trainers need: the special-token ids named by tokenizer_config.json, the
/// vocabulary size, each token's bytes, and character offsets of each token. What the folder may hold is listed on
/// <see cref="Open"/>.
/// </summary>
public sealed class Tokenizer : IDisposable
{
    /// <summary>Largest tokenizer.json read (a 150k-token vocabulary is about 7 MB).</summary>
    public const long MaxTokenizerJsonBytes = TokenizerJson.MaxBytes;

    private readonly BpeCodec _codec;
    private readonly string _configPath;
    private readonly Dictionary<string, int> _ids;   // stored spelling (byte-level for vocab tokens, plain for added) → id
    private readonly byte[]?[] _bytes;               // id → the bytes the token stands for (null: an unused id)

    private Tokenizer(string folder, string configPath, BpeCodec codec, Dictionary<string, int> ids, byte[]?[] bytes, IReadOnlyList<int> specialIds,
        string? bos, string? eos, string? pad, string? chatTemplate)
    {
        Folder = folder;
        _configPath = configPath;
        _codec = codec;
        _ids = ids;
        _bytes = bytes;
        SpecialTokenIds = specialIds;
        BosToken = bos;
        EosToken = eos;
        PadToken = pad;
        ChatTemplate = chatTemplate;
    }

    /// <summary>The folder the tokenizer was read from.</summary>
    public string Folder { get; }

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

    /// <summary>
    /// True: every tokenizer <see cref="Open"/> accepts is a byte-level BPE (GPT-2, Qwen2, Llama 3 and Hybrid's own), whose
    /// tokens are byte strings.
    /// </summary>
    public bool IsByteLevel => true;

    /// <summary>
    /// Opens the tokenizer files of <paramref name="folder"/>; errors name the file and the field. tokenizer.json must be
    /// a byte-level BPE that Microsoft.ML.Tokenizers can reproduce with GenAI's ids: a BPE model holding all 256 byte
    /// symbols, GPT-2's ByteLevel pre-tokenizer or a Split by a Regex followed by ByteLevel (Llama 3, Qwen2), the
    /// ByteLevel decoder, no normalizer other than Qwen2's NFC (accepted and not applied, as GenAI does), and no
    /// post-processor or tokenizer_config.json flag (<c>add_bos_token</c>, <c>add_eos_token</c>) that adds tokens to
    /// every text. Anything else — a Unigram or WordPiece model, byte fallback, another normalizer or pre-tokenizer, an
    /// added token with lstrip/rstrip/single_word — is refused with an <see cref="InvalidDataException"/> that names it.
    /// </summary>
    /// <summary>
    /// Checks a folder's tokenizer files as <see cref="Open"/> reads them, without keeping the tokenizer; a folder with
    /// tokenizer.json but no tokenizer_config.json (an exporter writes one) has its tokenizer.json checked alone.
    /// </summary>
    /// <exception cref="FileNotFoundException">tokenizer.json is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or uses a part Hybrid cannot reproduce.</exception>
    public static void Check(string folder)
    {
        string root = Path.GetFullPath(folder);
        string jsonPath = Path.Combine(root, "tokenizer.json");
        if (!File.Exists(jsonPath)) throw new FileNotFoundException($"{jsonPath}: missing (a tokenizer folder needs tokenizer.json and tokenizer_config.json)", jsonPath);
        if (File.Exists(Path.Combine(root, "tokenizer_config.json"))) Open(root).Dispose();
        else Tables(TokenizerJson.Read(jsonPath));
    }

    /// <exception cref="FileNotFoundException">tokenizer.json or tokenizer_config.json is missing.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or uses a part Hybrid cannot reproduce.</exception>
    public static Tokenizer Open(string folder)
    {
        string root = Path.GetFullPath(folder);
        string jsonPath = Path.Combine(root, "tokenizer.json"), configPath = Path.Combine(root, "tokenizer_config.json");
        foreach (string path in new[] { jsonPath, configPath })
            if (!File.Exists(path)) throw new FileNotFoundException($"{path}: missing (a tokenizer folder needs tokenizer.json and tokenizer_config.json)", path);

        TokenizerJson json = TokenizerJson.Read(jsonPath);
        var (ids, bytes, specialIds) = Tables(json);
        string? bos, eos, pad, template;
        using (JsonDocument config = TokenizerJson.ParseFile(configPath))
        {
            if (config.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{configPath}: not a JSON object");
            bos = TokenField(config.RootElement, "bos_token", configPath);
            eos = TokenField(config.RootElement, "eos_token", configPath);
            pad = TokenField(config.RootElement, "pad_token", configPath);
            template = config.RootElement.TryGetProperty("chat_template", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            foreach (string flag in new[] { "add_bos_token", "add_eos_token" })
            {
                if (config.RootElement.TryGetProperty(flag, out JsonElement v) && v.ValueKind == JsonValueKind.True)
                    throw new InvalidDataException($"{configPath}: field '{flag}' = true is not supported: Tokenizer.Encode encodes exactly the text, as GenAI's " +
                        "Tokenizer.Encode does; put the token in the text (chat templates do) and set the field to false");
            }
        }
        foreach ((string field, string? token) in new[] { ("bos_token", bos), ("eos_token", eos), ("pad_token", pad) })
        {
            if (token is not null && !ids.ContainsKey(token))
                throw new InvalidDataException($"{configPath}: field '{field}' = \"{token}\" is not a token of {jsonPath}");
        }
        return new Tokenizer(root, configPath, BpeCodec.Create(json), ids, bytes, specialIds, bos, eos, pad, template);
    }

    /// <summary>
    /// Token ids of <paramref name="text"/>: exactly the tokens that spell it — no BOS or EOS is added — with the spellings
    /// of added tokens (&lt;|im_start|&gt;, …) inside the text becoming their ids, the longest where two start at one
    /// place. The ids equal GenAI's tokenizer's; a lone UTF-16 surrogate encodes as U+FFFD, as it does there. One
    /// difference: GenAI reads NUL-terminated UTF-8 and so stops at a U+0000, where this encodes the whole string.
    /// </summary>
    public int[] Encode(string text) => _codec.Encode(text);

    /// <summary>Token ids of each text (unpadded rows), each as <see cref="Encode"/> gives them.</summary>
    public int[][] EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var rows = new int[texts.Count][];
        for (int i = 0; i < rows.Length; i++) rows[i] = Encode(texts[i]);
        return rows;
    }

    /// <summary>
    /// The text of <paramref name="ids"/>. Added tokens marked special and ids that are no token (negative, past the
    /// vocabulary, unused) are dropped, as GenAI drops them. Bytes that are not valid UTF-8 become U+FFFD, one per maximal
    /// invalid sequence (as .NET's UTF-8 decoder does), and the rest is still decoded: <c>"h", 0xFF, "ij"</c> gives
    /// <c>"h\uFFFDij"</c> — unlike GenAI's detokenizer, which stops at the first invalid byte (<c>"h\uFFFD"</c>).
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids) => _codec.Decode(ids);

    /// <summary>The id of a token given as stored: a special token's text, or a vocabulary entry's byte-level spelling.</summary>
    /// <exception cref="KeyNotFoundException">No such token.</exception>
    public int TokenId(string token) =>
        _ids.TryGetValue(token, out int id) ? id : throw new KeyNotFoundException($"'{token}' is not a token of {Folder}");

    /// <summary>The bytes token <paramref name="id"/> stands for (a special token: its UTF-8 text). Byte-level tokenizers only.</summary>
    public ReadOnlySpan<byte> TokenBytes(int id)
    {
        if ((uint)id >= (uint)_bytes.Length || _bytes[id] is null)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"not a token id of {Folder} (vocabulary size {VocabSize})");
        return _bytes[id]!;
    }

    /// <summary>
    /// Encodes <paramref name="text"/> and gives each token its <c>[Start, End)</c> range of UTF-16 characters in the
    /// text. A token holding part of a multi-byte character covers that whole character (neighbours then overlap); a
    /// lone surrogate, encoded as U+FFFD, is covered by the tokens of those three bytes.
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
            ReadOnlySpan<byte> token = TokenBytes(ids[i]);
            if (token.Length == 0 || !utf8.AsSpan(pos).StartsWith(token))
                throw new InvalidOperationException($"{Folder}: token {i} (id {ids[i]}) does not spell the text at byte {pos}; offsets unavailable");
            offsets[i] = (charAt[pos], charEnd[pos + token.Length - 1]);
            pos += token.Length;
        }
        if (pos != utf8.Length)
            throw new InvalidOperationException($"{Folder}: the tokens spell {pos} of the text's {utf8.Length} bytes; offsets unavailable");
        return (ids, offsets);
    }

    /// <summary>
    /// Renders <paramref name="messages"/> with this folder's <c>chat_template</c> (or <paramref name="template"/>). Only
    /// Hybrid's ChatML template (<see cref="Tokenizers.ChatTemplate.Jinja"/>, compared exactly) is rendered, by the C#
    /// <see cref="Tokenizers.ChatTemplate.Render"/>, which also rejects content spelling a ChatML marker; Hybrid has no
    /// Jinja engine on the training side — GenAI's <c>ApplyChatTemplate</c> renders other templates at generation time.
    /// </summary>
    /// <exception cref="NotSupportedException">The template is missing or is not Hybrid's ChatML template; the message names where it came from.</exception>
    public string ApplyChatTemplate(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt, string? template = null)
    {
        string source = template is null ? $"{_configPath}: field 'chat_template'" : "the template argument";
        string jinja = template ?? ChatTemplate
            ?? throw new NotSupportedException($"{_configPath}: field 'chat_template' is missing, so there is no chat format to render");
        if (!string.Equals(jinja, Tokenizers.ChatTemplate.Jinja, StringComparison.Ordinal))
            throw new NotSupportedException($"{source} is not Hybrid's ChatML template (ChatTemplate.Jinja): training-side rendering supports only " +
                "ChatML, by the C# ChatTemplate.Render; GenAI's ApplyChatTemplate renders other templates at generation time");
        return Tokenizers.ChatTemplate.Render(messages, addGenerationPrompt).Text;
    }

    /// <summary>Releases nothing (the encoder is managed); kept so that callers' <c>using</c> statements stay valid.</summary>
    public void Dispose() { }

    /// <summary>A token field of tokenizer_config.json: a string, an AddedToken object <c>{"content": …}</c>, or null.</summary>
    private static string? TokenField(JsonElement root, string field, string path)
    {
        if (!root.TryGetProperty(field, out JsonElement v) || v.ValueKind == JsonValueKind.Null) return null;
        if (v.ValueKind == JsonValueKind.String) return v.GetString();
        if (v.ValueKind == JsonValueKind.Object && v.TryGetProperty("content", out JsonElement c) && c.ValueKind == JsonValueKind.String) return c.GetString();
        throw new InvalidDataException($"{path}: field '{field}' = {v.GetRawText()} is not a token (a string or {{\"content\": …}})");
    }

    /// <summary>Spelling → id, id → bytes (vocabulary entries in byte-level spelling, added tokens as UTF-8 text) and the special ids.</summary>
    private static (Dictionary<string, int>, byte[]?[], IReadOnlyList<int>) Tables(TokenizerJson json)
    {
        var ids = new Dictionary<string, int>(json.Vocabulary, StringComparer.Ordinal);
        var bytes = new Dictionary<int, byte[]?>();
        foreach ((string token, int id) in json.Vocabulary) bytes[id] = ByteLevelAlphabet.TryDecode(token, out byte[] b) ? b : null;
        var special = new List<int>();
        foreach (AddedToken t in json.AddedTokens)
        {
            ids[t.Content] = t.Id;
            bytes[t.Id] = Encoding.UTF8.GetBytes(t.Content);
            if (t.Special) special.Add(t.Id);
        }
        var table = new byte[]?[bytes.Count == 0 ? 0 : bytes.Keys.Max() + 1];
        foreach ((int id, byte[]? b) in bytes) table[id] = b;
        special.Sort();
        return (ids, table, special);
    }
}
