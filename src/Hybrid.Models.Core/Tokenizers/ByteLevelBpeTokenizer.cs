// A byte-level BPE tokenizer description (merges + special tokens) and its writer to tokenizer.json / tokenizer_config.json.
using System.Text.Encodings.Web;
using System.Text.Json;
using Hybrid.Data;

namespace Hybrid.Models.Tokenizers;

/// <summary>
/// A GPT-2-style byte-level BPE tokenizer small enough to define in code. Ids are laid out as: 0–255 the single bytes
/// (id = byte value, so every UTF-8 text is encodable and nothing maps to -1), then one id per merge in rank order, then the
/// special tokens. Merges are given in plain text (<c>(" ", "w")</c>) and stored in byte-level spelling (<c>"Ġ w"</c>);
/// so each half is a whole string, and merges inside one multi-byte character (e.g. C3 + A9 = "é") cannot be expressed
/// that way: <see cref="FromSymbolMerges"/> takes them in byte-level spelling (as <see cref="BpeTrainer"/> learns them).
/// </summary>
public sealed class ByteLevelBpeTokenizer
{
    /// <summary>The tokenizer class written to tokenizer_config.json; GenAI and onnxruntime-extensions accept it.</summary>
    public const string TokenizerClass = "GPT2Tokenizer";

    private readonly Dictionary<string, int> _vocab = new(StringComparer.Ordinal);
    private readonly List<(string Left, string Right)> _symbolMerges = [];
    private byte[][]? _tokenBytes;
    private Dictionary<(string, string), int>? _ranks;

    /// <summary>Builds the vocabulary; each merge's two halves must already be tokens (bytes or earlier merges).</summary>
    /// <param name="merges">Merges in rank order (first = applied first), as plain-text pairs.</param>
    /// <param name="specialTokens">Special tokens such as <c>&lt;|endoftext|&gt;</c>, given the ids after the merges.</param>
    public ByteLevelBpeTokenizer(IReadOnlyList<(string Left, string Right)> merges, IReadOnlyList<string> specialTokens)
        : this(merges.Select(m => (ByteLevelAlphabet.Encode(m.Left), ByteLevelAlphabet.Encode(m.Right), $"(\"{m.Left}\", \"{m.Right}\")")), specialTokens, allowSameResult: false)
    {
    }

    private ByteLevelBpeTokenizer(IEnumerable<(string Left, string Right, string Shown)> symbolMerges, IReadOnlyList<string> specialTokens, bool allowSameResult)
    {
        for (int b = 0; b < 256; b++)
            _vocab.Add(ByteLevelAlphabet.Symbol((byte)b).ToString(), b);

        foreach ((string l, string r, string shown) in symbolMerges)
        {
            if (!_vocab.ContainsKey(l) || !_vocab.ContainsKey(r))
                throw new ArgumentException($"Merge {shown}: both halves must be tokens before it (single bytes or earlier merges).", "merges");
            // Two merges may spell the same token ("a"+"bc", "ab"+"c"): a trainer may learn both, and they share one id.
            if (!_vocab.TryAdd(l + r, _vocab.Count) && !allowSameResult)
                throw new ArgumentException($"Merge {shown} creates \"{l + r}\", which is already a token.", "merges");
            _symbolMerges.Add((l, r));
        }

        SpecialTokens = specialTokens.ToArray();
        foreach (string special in specialTokens)
        {
            if (!_vocab.TryAdd(special, _vocab.Count))
                throw new ArgumentException($"Special token '{special}' is already a token.", nameof(specialTokens));
        }
    }

    /// <summary>
    /// A tokenizer from merges in byte-level spelling (<c>("Ġ", "w")</c>, <c>("Ã", "©")</c>), as a BPE trainer learns them;
    /// unlike plain-text merges these can join the bytes inside one multi-byte character. Two merges may make the same
    /// token (they then share its id), as a trainer can learn both <c>("a", "bc")</c> and <c>("ab", "c")</c>.
    /// </summary>
    public static ByteLevelBpeTokenizer FromSymbolMerges(IReadOnlyList<(string Left, string Right)> symbolMerges, IReadOnlyList<string> specialTokens) =>
        new(symbolMerges.Select(m => (m.Left, m.Right, $"\"{m.Left} {m.Right}\"")), specialTokens, allowSameResult: true);

    /// <summary>The merges in rank order, in byte-level spelling (as tokenizer.json stores them).</summary>
    public IReadOnlyList<(string Left, string Right)> SymbolMerges => _symbolMerges;

    /// <summary>The special tokens, in id order.</summary>
    public IReadOnlyList<string> SpecialTokens { get; }

    /// <summary>Number of ids: 256 + distinct merge results + special tokens.</summary>
    public int VocabSize => _vocab.Count;

    /// <summary>The id of a special token.</summary>
    public int SpecialTokenId(string token) =>
        SpecialTokens.Contains(token) ? _vocab[token]
            : throw new ArgumentException($"'{token}' is not a special token of this tokenizer (known: {string.Join(", ", SpecialTokens)}).", nameof(token));

    /// <summary>The id of the token spelled <paramref name="text"/> in plain text (a byte, a merge result or a special token).</summary>
    public int IdOf(string text) =>
        _vocab.TryGetValue(SpecialTokens.Contains(text) ? text : ByteLevelAlphabet.Encode(text), out int id) ? id
            : throw new KeyNotFoundException($"\"{text}\" is not a single token of this tokenizer.");

    /// <summary>
    /// The bytes a token sequence stands for: each byte-level token contributes its UTF-8 bytes, a special token its
    /// text. Unlike a decoded string this is lossless for sequences that are not valid UTF-8 (e.g. from random weights).
    /// </summary>
    public byte[] Bytes(IEnumerable<int> ids)
    {
        _tokenBytes ??= BuildTokenBytes();
        var bytes = new List<byte>();
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_tokenBytes.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token ids must be in 0..{_tokenBytes.Length - 1}.");
            bytes.AddRange(_tokenBytes[id]);
        }
        return [.. bytes];
    }

    /// <summary>
    /// The slow, obvious BPE encoder GPT-2 describes, kept as the reference the native tokenizer is tested against:
    /// special tokens are split out whole; the rest is cut by <see cref="Gpt2PreTokenizer"/>; each piece, spelled one
    /// symbol per UTF-8 byte, repeatedly merges every occurrence (left to right) of its adjacent pair of lowest merge rank.
    /// </summary>
    public int[] EncodeReference(string text)
    {
        _ranks ??= _symbolMerges.Select((m, rank) => (m, rank)).ToDictionary(x => x.m, x => x.rank);
        var ids = new List<int>();
        foreach ((string piece, bool special) in Gpt2PreTokenizer.SplitSpecial(text, SpecialTokens))
        {
            if (special)
            {
                ids.Add(_vocab[piece]);
                continue;
            }
            foreach (string word in Gpt2PreTokenizer.Split(piece))
            {
                List<string> symbols = ByteLevelAlphabet.Encode(word).Select(c => c.ToString()).ToList();
                while (symbols.Count > 1)
                {
                    int best = int.MaxValue, at = -1;
                    for (int i = 0; i + 1 < symbols.Count; i++)
                    {
                        if (_ranks.TryGetValue((symbols[i], symbols[i + 1]), out int rank) && rank < best)
                            (best, at) = (rank, i);
                    }
                    if (at < 0) break;
                    symbols = MergePair(symbols, symbols[at], symbols[at + 1]);
                }
                ids.AddRange(symbols.Select(symbol => _vocab[symbol]));
            }
        }
        return [.. ids];
    }

    /// <summary>Replaces each occurrence of the adjacent pair (left, right), scanning left to right without overlap.</summary>
    internal static List<string> MergePair(List<string> symbols, string left, string right)
    {
        var merged = new List<string>(symbols.Count);
        for (int i = 0; i < symbols.Count; i++)
        {
            if (i + 1 < symbols.Count && symbols[i] == left && symbols[i + 1] == right)
            {
                merged.Add(left + right);
                i++;
            }
            else
            {
                merged.Add(symbols[i]);
            }
        }
        return merged;
    }

    /// <summary>
    /// Writes <c>tokenizer.json</c> (Hugging Face tokenizers format: ByteLevel pre-tokenizer/decoder, BPE model) and
    /// <c>tokenizer_config.json</c> into <paramref name="directory"/>; <paramref name="chatTemplate"/> (Jinja) becomes the
    /// config's <c>chat_template</c> when given.
    /// </summary>
    public void Write(string directory, string? bosToken = null, string? eosToken = null, string? padToken = null, string? chatTemplate = null)
    {
        Directory.CreateDirectory(directory);
        // Relaxed escaping keeps the byte-level symbols (Ġ, Ċ, …) readable; the output is still valid JSON.
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

        AtomicFile.Write(Path.Combine(directory, "tokenizer.json"), stream =>
        {
            using var json = new Utf8JsonWriter(stream, options);
            json.WriteStartObject();
            json.WriteString("version", "1.0");
            json.WriteNull("truncation");
            json.WriteNull("padding");
            json.WriteStartArray("added_tokens");
            foreach (string special in SpecialTokens)
            {
                json.WriteStartObject();
                json.WriteNumber("id", _vocab[special]);
                json.WriteString("content", special);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteNull("normalizer");
            WriteByteLevel(json, "pre_tokenizer", addPrefixSpace: false, trimOffsets: true);
            WriteByteLevel(json, "post_processor", addPrefixSpace: true, trimOffsets: false);
            WriteByteLevel(json, "decoder", addPrefixSpace: true, trimOffsets: true);
            json.WriteStartObject("model");
            json.WriteString("type", "BPE");
            json.WriteNull("dropout");
            json.WriteNull("unk_token");
            json.WriteString("continuing_subword_prefix", "");
            json.WriteString("end_of_word_suffix", "");
            json.WriteBoolean("fuse_unk", false);
            json.WriteBoolean("byte_fallback", false);
            json.WriteStartObject("vocab");
            foreach ((string token, int id) in _vocab.OrderBy(pair => pair.Value))
            {
                if (!SpecialTokens.Contains(token))
                    json.WriteNumber(token, id);
            }
            json.WriteEndObject();
            json.WriteStartArray("merges");
            foreach ((string left, string right) in _symbolMerges)
                json.WriteStringValue($"{left} {right}");
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndObject();
        });

        AtomicFile.Write(Path.Combine(directory, "tokenizer_config.json"), stream =>
        {
            using var json = new Utf8JsonWriter(stream, options);
            json.WriteStartObject();
            json.WriteString("tokenizer_class", TokenizerClass);
            json.WriteBoolean("add_bos_token", false);
            json.WriteBoolean("add_prefix_space", false);
            if (bosToken is not null) json.WriteString("bos_token", bosToken);
            if (eosToken is not null) json.WriteString("eos_token", eosToken);
            if (padToken is not null) json.WriteString("pad_token", padToken);
            json.WriteBoolean("clean_up_tokenization_spaces", false);
            if (chatTemplate is not null) json.WriteString("chat_template", chatTemplate);
            json.WriteEndObject();
        });
    }

    private byte[][] BuildTokenBytes()
    {
        var table = new byte[_vocab.Count][];
        foreach ((string token, int id) in _vocab)
        {
            table[id] = SpecialTokens.Contains(token)
                ? System.Text.Encoding.UTF8.GetBytes(token)
                : ByteLevelAlphabet.Decode(token);
        }
        return table;
    }

    private static void WriteByteLevel(Utf8JsonWriter json, string property, bool addPrefixSpace, bool trimOffsets)
    {
        json.WriteStartObject(property);
        json.WriteString("type", "ByteLevel");
        json.WriteBoolean("add_prefix_space", addPrefixSpace);
        json.WriteBoolean("trim_offsets", trimOffsets);
        json.WriteBoolean("use_regex", true);
        json.WriteEndObject();
    }
}
