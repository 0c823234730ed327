// A Hugging Face tokenizer.json read as a byte-level BPE (vocabulary, merges, added tokens, split pattern); other parts are refused by name.
using System.Text.Json;

namespace Hybrid.Models.Tokenizers;

/// <summary>An entry of tokenizer.json's <c>added_tokens</c>: recognised whole inside text; <see cref="Special"/> ones are dropped on decode.</summary>
internal sealed record AddedToken(string Content, int Id, bool Special);

/// <summary>
/// The parts of a tokenizer.json that <see cref="Tokenizer"/> encodes with: a BPE model over byte-level symbols, its
/// merges, the added tokens and the regular expression that splits text into pieces before BPE. <see cref="Read"/>
/// accepts what Microsoft.ML.Tokenizers' <c>BpeTokenizer</c> can reproduce with the ids GenAI's tokenizer gives, and
/// throws <see cref="InvalidDataException"/> naming the file and the field for anything else:
/// <list type="bullet">
/// <item><c>model</c>: type BPE, no <c>byte_fallback</c>, <c>dropout</c>, <c>continuing_subword_prefix</c> or
/// <c>end_of_word_suffix</c>; every one of the 256 byte symbols in the vocabulary (otherwise GenAI gives -1 where the
/// package would silently drop the byte); each merge's halves and result in the vocabulary;</item>
/// <item><c>normalizer</c>: none, or Qwen2's <c>NFC</c>, which is accepted and not applied — GenAI's tokenizer does not
/// apply it either, and it changes no text that is already NFC; any other normalizer is refused;</item>
/// <item><c>pre_tokenizer</c>: <c>ByteLevel</c> with <c>use_regex</c> (GPT-2's pattern, <see cref="Gpt2PreTokenizer.Pattern"/>),
/// or a <c>Sequence</c> of a <c>Split</c> by a <c>Regex</c> (behaviour Isolated) and <c>ByteLevel</c> without
/// <c>use_regex</c> (Llama 3, Qwen2); <c>add_prefix_space</c> must be false;</item>
/// <item><c>post_processor</c>: none, <c>ByteLevel</c>, or a <c>TemplateProcessing</c> that adds no special token —
/// Hybrid encodes exactly the text (see <see cref="Tokenizer.Encode"/>);</item>
/// <item><c>decoder</c>: <c>ByteLevel</c> (alone or as the only kind in a <c>Sequence</c>);</item>
/// <item><c>added_tokens</c>: no <c>lstrip</c>, <c>rstrip</c> or <c>single_word</c>.</item>
/// </list>
/// </summary>
internal sealed class TokenizerJson
{
    /// <summary>Largest tokenizer.json read (a 150k-token vocabulary is about 7 MB).</summary>
    public const long MaxBytes = 256L << 20;

    /// <summary>Largest token id accepted; anything above is a corrupt file.</summary>
    public const int MaxTokenId = 16_000_000 - 1;

    private TokenizerJson(string path, Dictionary<string, int> vocabulary, List<(string, string)> merges, List<AddedToken> added, string pattern)
    {
        Path = path;
        Vocabulary = vocabulary;
        Merges = merges;
        AddedTokens = added;
        SplitPattern = pattern;
    }

    /// <summary>The file read (full path).</summary>
    public string Path { get; }

    /// <summary><c>model.vocab</c>: byte-level spelling (e.g. <c>"Ġthe"</c>) → id.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary { get; }

    /// <summary><c>model.merges</c> in rank order, both halves in byte-level spelling.</summary>
    public IReadOnlyList<(string Left, string Right)> Merges { get; }

    /// <summary><c>added_tokens</c>, in file order.</summary>
    public IReadOnlyList<AddedToken> AddedTokens { get; }

    /// <summary>The .NET regular expression that cuts text into the pieces BPE merges within.</summary>
    public string SplitPattern { get; }

    /// <summary>Reads and checks <paramref name="path"/>; errors name the file and the field.</summary>
    /// <exception cref="InvalidDataException">The file is malformed, too large, or uses a part Hybrid cannot reproduce.</exception>
    public static TokenizerJson Read(string path)
    {
        using JsonDocument doc = ParseFile(path);
        JsonElement root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: field 'model' is missing or not an object");

        CheckModel(path, model);
        Dictionary<string, int> vocabulary = ReadVocabulary(path, model);
        List<(string, string)> merges = ReadMerges(path, model, vocabulary);
        List<AddedToken> added = ReadAddedTokens(path, root);
        CheckNormalizer(path, root);
        string pattern = PreTokenizerJson.SplitPattern(path, root);
        CheckPostProcessor(path, root);
        CheckDecoder(path, root);
        return new TokenizerJson(path, vocabulary, merges, added, pattern);
    }

    /// <summary>Parses a JSON file of at most <see cref="MaxBytes"/>; errors name the file.</summary>
    public static JsonDocument ParseFile(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxBytes) throw new InvalidDataException($"{path}: {length} bytes is over the {MaxBytes}-byte limit");
        if (length == 0) throw new InvalidDataException($"{path}: the file is empty; copy the tokenizer files of the original checkpoint");
        try { return JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (JsonException ex) { throw new InvalidDataException($"{path}: not valid JSON ({ex.Message}); copy the tokenizer files of the original checkpoint"); }
    }

    /// <summary>The error for a part of the file Hybrid cannot reproduce.</summary>
    public static InvalidDataException Unsupported(string path, string field, JsonElement value, string why) =>
        new($"{path}: field '{field}' = {Shorten(value.GetRawText())} is not supported: {why}");

    private static void CheckModel(string path, JsonElement model)
    {
        if (model.TryGetProperty("type", out JsonElement type) && !(type.ValueKind == JsonValueKind.String && type.GetString() == "BPE"))
            throw Unsupported(path, "model.type", type, "Hybrid's tokenizer (Microsoft.ML.Tokenizers' BpeTokenizer) reads byte-level BPE models only, not Unigram, WordPiece or WordLevel");
        if (model.TryGetProperty("byte_fallback", out JsonElement fallback) && fallback.ValueKind != JsonValueKind.False && fallback.ValueKind != JsonValueKind.Null)
            throw Unsupported(path, "model.byte_fallback", fallback, "byte fallback (<0xNN> tokens, as in SentencePiece-style BPE) is not byte-level BPE");
        if (model.TryGetProperty("dropout", out JsonElement dropout) && dropout.ValueKind != JsonValueKind.Null
            && !(dropout.ValueKind == JsonValueKind.Number && dropout.GetDouble() == 0))
            throw Unsupported(path, "model.dropout", dropout, "BPE dropout makes encoding random");
        foreach (string field in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (model.TryGetProperty(field, out JsonElement affix) && affix.ValueKind != JsonValueKind.Null
                && !(affix.ValueKind == JsonValueKind.String && affix.GetString()!.Length == 0))
                throw Unsupported(path, $"model.{field}", affix, "sub-word prefixes and suffixes are not used by byte-level BPE");
        }
    }

    private static Dictionary<string, int> ReadVocabulary(string path, JsonElement model)
    {
        if (!model.TryGetProperty("vocab", out JsonElement vocab) || vocab.ValueKind != JsonValueKind.Object)
            throw new InvalidDataException($"{path}: field 'model.vocab' is missing or not an object (token → id)");
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty p in vocab.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0)
                throw new InvalidDataException($"{path}: model.vocab['{p.Name}'] = {p.Value.GetRawText()} is not a non-negative integer id");
            if (id > MaxTokenId) throw new InvalidDataException($"{path}: largest token id {id} is implausibly large");
            ids[p.Name] = id;
        }
        var missing = Enumerable.Range(0, 256).Where(b => !ids.ContainsKey(ByteLevelAlphabet.Symbol((byte)b).ToString())).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{path}: field 'model.vocab' is not supported: it lacks the byte-level symbols of {missing.Count} byte(s) " +
                $"(first: 0x{missing[0]:X2} = '{ByteLevelAlphabet.Symbol((byte)missing[0])}'); GenAI encodes such bytes as -1 where BpeTokenizer would drop them");
        return ids;
    }

    private static List<(string, string)> ReadMerges(string path, JsonElement model, Dictionary<string, int> vocabulary)
    {
        if (!model.TryGetProperty("merges", out JsonElement merges) || merges.ValueKind != JsonValueKind.Array)
            throw new InvalidDataException($"{path}: field 'model.merges' is missing or not an array");
        var result = new List<(string, string)>(merges.GetArrayLength());
        int index = 0;
        foreach (JsonElement merge in merges.EnumerateArray())
        {
            string? left = null, right = null;
            if (merge.ValueKind == JsonValueKind.String)
            {
                string[] halves = merge.GetString()!.Split(' ');
                if (halves.Length == 2) (left, right) = (halves[0], halves[1]);
            }
            else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2
                     && merge[0].ValueKind == JsonValueKind.String && merge[1].ValueKind == JsonValueKind.String)
            {
                (left, right) = (merge[0].GetString(), merge[1].GetString());
            }
            if (left is null || right is null || left.Length == 0 || right.Length == 0 || left.Contains(' ') || right.Contains(' '))
                throw new InvalidDataException($"{path}: model.merges[{index}] = {Shorten(merge.GetRawText())} is not a merge (\"a b\" or [\"a\", \"b\"], halves without spaces)");
            foreach (string token in new[] { left, right, left + right })
            {
                if (!vocabulary.ContainsKey(token))
                    throw new InvalidDataException($"{path}: model.merges[{index}] = {Shorten(merge.GetRawText())} uses \"{token}\", which is not in 'model.vocab'");
            }
            result.Add((left, right));
            index++;
        }
        return result;
    }

    private static List<AddedToken> ReadAddedTokens(string path, JsonElement root)
    {
        var added = new List<AddedToken>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (!root.TryGetProperty("added_tokens", out JsonElement list) || list.ValueKind == JsonValueKind.Null) return added;
        if (list.ValueKind != JsonValueKind.Array) throw new InvalidDataException($"{path}: field 'added_tokens' is not an array");
        int index = 0;
        foreach (JsonElement t in list.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.Object
                || !t.TryGetProperty("id", out JsonElement idElement) || !idElement.TryGetInt32(out int id) || id < 0
                || !t.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String)
                throw new InvalidDataException($"{path}: an entry of 'added_tokens' lacks an integer 'id' or a string 'content': {t.GetRawText()}");
            if (id > MaxTokenId) throw new InvalidDataException($"{path}: largest token id {id} is implausibly large");
            if (content.GetString()!.Length == 0) throw new InvalidDataException($"{path}: added_tokens[{index}] has an empty 'content'");
            foreach (string flag in new[] { "lstrip", "rstrip", "single_word" })
            {
                if (t.TryGetProperty(flag, out JsonElement v) && v.ValueKind == JsonValueKind.True)
                    throw Unsupported(path, $"added_tokens[{index}].{flag}", v, $"the added token \"{content.GetString()}\" would change the text around it, which BpeTokenizer cannot do");
            }
            if (!seen.Add(content.GetString()!))
                throw new InvalidDataException($"{path}: added_tokens[{index}]: \"{content.GetString()}\" is listed twice");
            bool special = t.TryGetProperty("special", out JsonElement s) && s.ValueKind == JsonValueKind.True;
            added.Add(new AddedToken(content.GetString()!, id, special));
            index++;
        }
        return added;
    }

    private static void CheckNormalizer(string path, JsonElement root)
    {
        if (!root.TryGetProperty("normalizer", out JsonElement normalizer) || normalizer.ValueKind == JsonValueKind.Null) return;
        if (TypeOf(normalizer) == "NFC") return;  // Qwen2's; not applied, as GenAI does not apply it (see the class summary)
        throw Unsupported(path, "normalizer", normalizer, "Hybrid encodes the text as given (as GenAI's tokenizer does); only Qwen2's NFC normalizer, which changes no NFC text, is accepted");
    }

    private static void CheckPostProcessor(string path, JsonElement root)
    {
        if (!root.TryGetProperty("post_processor", out JsonElement post) || post.ValueKind == JsonValueKind.Null) return;
        foreach (JsonElement step in Steps(post, "processors"))
        {
            switch (TypeOf(step))
            {
                case "ByteLevel":
                    continue;
                case "TemplateProcessing" when !(step.TryGetProperty("single", out JsonElement single) && single.ValueKind == JsonValueKind.Array
                                                 && single.EnumerateArray().Any(p => p.ValueKind == JsonValueKind.Object && p.TryGetProperty("SpecialToken", out _))):
                    continue;
                case "TemplateProcessing":
                    throw Unsupported(path, "post_processor", post, "it adds special tokens (e.g. a BOS) to every text; Hybrid's Tokenizer.Encode encodes exactly the text, " +
                        "as GenAI's Tokenizer.Encode does; put the token in the text (chat templates do) and drop it from 'single'");
                default:
                    throw Unsupported(path, "post_processor", post, "only ByteLevel and a TemplateProcessing that adds no token are understood");
            }
        }
    }

    private static void CheckDecoder(string path, JsonElement root)
    {
        if (!root.TryGetProperty("decoder", out JsonElement decoder) || decoder.ValueKind == JsonValueKind.Null)
            throw new InvalidDataException($"{path}: field 'decoder' is missing; a byte-level BPE needs the ByteLevel decoder");
        List<JsonElement> steps = Steps(decoder, "decoders");
        if (steps.Count == 0 || steps.Any(d => TypeOf(d) != "ByteLevel"))
            throw Unsupported(path, "decoder", decoder, "a byte-level BPE is decoded by the ByteLevel decoder alone");
    }

    /// <summary>The steps of a component: the items of its <c>Sequence</c> list, or the component itself.</summary>
    public static List<JsonElement> Steps(JsonElement component, string listField) =>
        TypeOf(component) == "Sequence" && component.TryGetProperty(listField, out JsonElement list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().ToList()
            : [component];

    /// <summary>The <c>type</c> of a component object, or null.</summary>
    public static string? TypeOf(JsonElement component) =>
        component.ValueKind == JsonValueKind.Object && component.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()
            : null;

    private static string Shorten(string json) => json.Length <= 200 ? json : json[..200] + "…";
}
