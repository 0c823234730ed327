// Text ↔ ids of a byte-level BPE through Microsoft.ML.Tokenizers' BpeTokenizer, following GenAI's tokenizer where the two differ.
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Hybrid.Models.Tokenizers;

/// <summary>
/// Encodes and decodes with a <see cref="BpeTokenizer"/> built from a <see cref="TokenizerJson"/>: byte-level symbols,
/// the vocabulary and merges, the added tokens recognised inside text (longest first), and a
/// <see cref="RegexPreTokenizer"/> over the file's split pattern. Three rules of GenAI's tokenizer (onnxruntime-extensions)
/// that the package does not have are kept here, so that the ids equal GenAI's:
/// <list type="number">
/// <item>a lone UTF-16 surrogate encodes as U+FFFD — GenAI receives UTF-8, in which a lone surrogate becomes U+FFFD;</item>
/// <item>a piece (a match of the split pattern, or the text between two matches) that is itself a vocabulary entry
/// becomes that entry without merges — Hugging Face's <c>ignore_merges</c>; for a vocabulary whose every token is what
/// the merges make of its own spelling (any trained one) this changes nothing;</item>
/// <item>decoding drops the added tokens marked special and ids that are no token, and writes the other added tokens
/// as their text (the package would read that text as byte-level symbols, garbling anything but printable ASCII).</item>
/// </list>
/// </summary>
internal sealed class BpeCodec
{
    private readonly BpeTokenizer _bpe;
    private readonly PreTokenizer _split;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _added;  // added token text → id
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _words;  // text of each vocabulary entry that is valid UTF-8 → id
    private readonly bool[] _decoded;                                                      // id → decoding writes it
    private readonly Dictionary<int, string> _addedText;                                   // id of a non-special added token → its text

    private BpeCodec(BpeTokenizer bpe, PreTokenizer split, Dictionary<string, int> added, Dictionary<string, int> words, bool[] decoded,
        Dictionary<int, string> addedText)
    {
        _bpe = bpe;
        _split = split;
        _added = added.GetAlternateLookup<ReadOnlySpan<char>>();
        _words = words.GetAlternateLookup<ReadOnlySpan<char>>();
        _decoded = decoded;
        _addedText = addedText;
    }

    /// <summary>Builds the package tokenizer for <paramref name="json"/>.</summary>
    /// <exception cref="InvalidDataException">The package rejected the vocabulary or merges (the message names the file).</exception>
    public static BpeCodec Create(TokenizerJson json)
    {
        // Longest first: where two added tokens start at one position the longer wins, as in GenAI's and Hugging Face's
        // tokenizers (the package tries them in this order).
        var added = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (AddedToken t in json.AddedTokens.OrderByDescending(t => t.Content.Length).ThenBy(t => t.Content, StringComparer.Ordinal))
            added.Add(t.Content, t.Id);

        var split = new RegexPreTokenizer(new Regex(json.SplitPattern, RegexOptions.CultureInvariant | RegexOptions.Compiled), added);
        BpeTokenizer bpe;
        try
        {
            bpe = BpeTokenizer.Create(new BpeOptions(json.Vocabulary)
            {
                Merges = json.Merges.Select(m => $"{m.Left} {m.Right}").ToList(),
                SpecialTokens = added,
                ByteLevel = true,
                PreTokenizer = split,
            });
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{json.Path}: Microsoft.ML.Tokenizers rejected the BPE model ({ex.Message})", ex);
        }

        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        var words = new Dictionary<string, int>(StringComparer.Ordinal);
        int size = Math.Max(json.Vocabulary.Count == 0 ? 0 : json.Vocabulary.Values.Max(), json.AddedTokens.Count == 0 ? 0 : json.AddedTokens.Max(t => t.Id)) + 1;
        var decoded = new bool[size];
        foreach ((string token, int id) in json.Vocabulary)
        {
            decoded[id] = true;
            if (ByteLevelAlphabet.TryDecode(token, out byte[] bytes))
            {
                try { words[strict.GetString(bytes)] = id; }
                catch (DecoderFallbackException) { /* part of a character: no piece of text spells it */ }
            }
        }
        var addedText = new Dictionary<int, string>();
        foreach (AddedToken t in json.AddedTokens)
        {
            decoded[t.Id] = !t.Special;
            if (t.Special) addedText.Remove(t.Id);
            else addedText[t.Id] = t.Content;
        }
        return new BpeCodec(bpe, split, added, words, decoded, addedText);
    }

    /// <summary>The ids of <paramref name="text"/>: exactly the tokens that spell it, none added.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF'))
            text = Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));  // lone surrogates → U+FFFD, as on the way to GenAI
        var ids = new List<int>(text.Length / 3 + 4);
        int end = 0;
        foreach ((int offset, int length) in _split.PreTokenize(text))
        {
            if (offset < end) throw new InvalidOperationException($"the pre-tokenizer returned overlapping pieces at character {offset}");
            if (offset > end) AddPiece(text.AsSpan(end, offset - end), ids);  // text no match covers is a piece of its own (Split "Isolated")
            AddPiece(text.AsSpan(offset, length), ids);
            end = offset + length;
        }
        if (end < text.Length) AddPiece(text.AsSpan(end), ids);
        return [.. ids];
    }

    /// <summary>
    /// The text of <paramref name="ids"/>: special added tokens and ids that are no token are dropped (the bytes on either
    /// side then join); other added tokens are written as their text; each run of vocabulary tokens is decoded by the
    /// package, where bytes that are not valid UTF-8 become U+FFFD, one per maximal invalid sequence, and decoding goes on.
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids)
    {
        var text = new StringBuilder();
        var run = new List<int>(ids.Length);
        foreach (int id in ids)
        {
            if ((uint)id >= (uint)_decoded.Length || !_decoded[id]) continue;
            if (_addedText.TryGetValue(id, out string? content))
            {
                Flush();
                text.Append(content);
            }
            else
            {
                run.Add(id);
            }
        }
        Flush();
        return text.ToString();

        void Flush()
        {
            if (run.Count == 0) return;
            text.Append(_bpe.Decode(run, considerSpecialTokens: false));
            run.Clear();
        }
    }

    private void AddPiece(ReadOnlySpan<char> piece, List<int> ids)
    {
        if (_added.TryGetValue(piece, out int id) || _words.TryGetValue(piece, out id))
            ids.Add(id);
        else
            ids.AddRange(_bpe.EncodeToIds(piece, considerPreTokenization: false, considerNormalization: false));
    }
}
