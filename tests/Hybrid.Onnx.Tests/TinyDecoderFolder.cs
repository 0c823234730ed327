// Test fixture: the tiny decoder exported once (seeded weights + the sample tokenizer) as a GenAI folder.
using Hybrid.Export.Tests.TinyDecoder;

namespace Hybrid.Onnx.Tests;

/// <summary>One exported folder shared by the tests of a class, with the slow reference of the same weights.</summary>
public sealed class TinyDecoderFolder : IDisposable
{
    private readonly TempFolder _folder = new("tiny-decoder");

    public TinyDecoderFolder()
    {
        Config = new TinyDecoderConfig
        {
            VocabSize = SampleTokenizer.VocabSize,
            BosTokenId = SampleTokenizer.EndOfTextId,
            EosTokenId = SampleTokenizer.EndOfTextId,
            PadTokenId = SampleTokenizer.EndOfTextId,
        };
        TinyDecoderWeights weights = TinyDecoderWeights.Random(Config, seed: 7);
        Reference = new TinyDecoderReference(weights);
        TinyDecoderExport.Write(_folder.Path, weights, SampleTokenizer.Create());
    }

    public string Path => _folder.Path;

    public TinyDecoderConfig Config { get; }

    public TinyDecoderReference Reference { get; }

    public void Dispose() => _folder.Dispose();
}
