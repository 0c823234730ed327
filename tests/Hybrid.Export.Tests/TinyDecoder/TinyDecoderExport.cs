// Writes the tiny decoder as a folder ONNX Runtime GenAI loads as is: model.onnx(.data), genai_config.json, tokenizer files.
using Hybrid.Export.GenAI;
using Hybrid.Export.Onnx;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Export.Tests.TinyDecoder;

/// <summary>Exports a <see cref="TinyDecoderWeights"/> model with its byte-level BPE tokenizer.</summary>
public static class TinyDecoderExport
{
    /// <summary>
    /// Writes <c>model.onnx</c> + <c>model.onnx.data</c> (weights external, shape constants inline), <c>genai_config.json</c>,
    /// <c>tokenizer.json</c> and <c>tokenizer_config.json</c> (with the ChatML <c>chat_template</c>) into <paramref name="directory"/>
    /// (created if needed).
    /// </summary>
    public static void Write(string directory, TinyDecoderWeights weights, ByteLevelBpeTokenizer tokenizer)
    {
        TinyDecoderConfig config = weights.Config;
        config.Validate();
        if (tokenizer.VocabSize != config.VocabSize)
            throw new ArgumentException($"The tokenizer has {tokenizer.VocabSize} ids but TinyDecoderConfig.VocabSize is {config.VocabSize}: build the config from tokenizer.VocabSize.", nameof(tokenizer));

        Directory.CreateDirectory(directory);
        OnnxModelWriter.Save(TinyDecoderGraph.Build(weights), directory, "model.onnx");
        new GenAIDecoderConfig
        {
            HiddenSize = config.HiddenSize,
            NumAttentionHeads = config.NumHeads,
            NumKeyValueHeads = config.NumHeads,
            HeadSize = config.HeadSize,
            NumHiddenLayers = config.NumLayers,
            VocabSize = config.VocabSize,
            ContextLength = config.ContextLength,
            BosTokenId = config.BosTokenId,
            EosTokenId = config.EosTokenId,
            PadTokenId = config.PadTokenId,
        }.Write(Path.Combine(directory, "genai_config.json"));
        tokenizer.Write(directory, SpecialName(tokenizer, config.BosTokenId), SpecialName(tokenizer, config.EosTokenId),
            SpecialName(tokenizer, config.PadTokenId), ChatTemplate.Jinja);
    }

    private static string? SpecialName(ByteLevelBpeTokenizer tokenizer, int id) =>
        tokenizer.SpecialTokens.FirstOrDefault(token => tokenizer.SpecialTokenId(token) == id);
}
