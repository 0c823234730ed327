// The few facts about a GenAI model folder the rollout engine needs, read from its genai_config.json.
using System.Text.Json.Nodes;

namespace Hybrid.Rollout;

/// <summary>Token ids and limits from <c>genai_config.json</c>'s <c>model</c> section.</summary>
public sealed record GenAIFolderInfo
{
    /// <summary>Ids GenAI itself stops a row at (<c>model.eos_token_id</c>, one id or a list).</summary>
    public required IReadOnlyList<int> EosTokenIds { get; init; }

    /// <summary><c>model.pad_token_id</c>: what GenAI pads ragged prompts and finished rows with.</summary>
    public required int PadTokenId { get; init; }

    /// <summary><c>model.vocab_size</c>: V, the logits' last dimension.</summary>
    public required int VocabSize { get; init; }

    /// <summary><c>model.context_length</c>: the longest prompt + response GenAI accepts.</summary>
    public required int ContextLength { get; init; }

    /// <summary><c>model.decoder.filename</c>: the ONNX file GenAI loads, relative to the folder.</summary>
    public required string ModelFileName { get; init; }

    /// <summary>
    /// <c>search.past_present_share_buffer</c> (default false): past and present KV are one max-length buffer updated in
    /// place (the GroupQueryAttention export), rather than present = past ⧺ new keys (the Concat export).
    /// </summary>
    public bool SharesKvBuffer { get; init; }

    /// <summary>Reads <c>{directory}/genai_config.json</c>; errors name the file and the missing field.</summary>
    public static GenAIFolderInfo Read(string directory)
    {
        string path = Path.Combine(directory, "genai_config.json");
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} not found: the rollout engine needs a GenAI model folder (see DecoderExporter.ExportGenAIFolder)", path);
        JsonNode? root = JsonNode.Parse(File.ReadAllText(path));
        JsonObject model = root?["model"] as JsonObject ?? throw new InvalidDataException($"{path}: no 'model' object");
        int Int(JsonNode? node, string field) => node?.GetValue<int>() ?? throw new InvalidDataException($"{path}: field 'model.{field}' is missing");
        JsonNode? eos = model["eos_token_id"];
        IReadOnlyList<int> eosIds = eos is JsonArray list ? list.Select(e => Int(e, "eos_token_id")).ToArray() : [Int(eos, "eos_token_id")];
        return new GenAIFolderInfo
        {
            EosTokenIds = eosIds,
            PadTokenId = Int(model["pad_token_id"], "pad_token_id"),
            VocabSize = Int(model["vocab_size"], "vocab_size"),
            ContextLength = Int(model["context_length"], "context_length"),
            ModelFileName = model["decoder"]?["filename"]?.GetValue<string>() ?? throw new InvalidDataException($"{path}: field 'model.decoder.filename' is missing"),
            SharesKvBuffer = root?["search"]?["past_present_share_buffer"]?.GetValue<bool>() ?? false,
        };
    }
}
