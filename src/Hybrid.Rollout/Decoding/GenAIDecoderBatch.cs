// One batch of rows decoded by an ONNX Runtime GenAI generator that takes exactly the tokens the engine chose.
using Hybrid.Onnx.GenAI;

namespace Hybrid.Rollout.Decoding;

/// <summary>
/// A greedy <see cref="GenAIGenerator"/> over a ragged batch (GenAI pads, masks and keeps the KV cache). The engine's
/// choice is handed over as logits that are 0 at the chosen id and −∞ elsewhere, so the greedy step takes exactly it;
/// the generator's own tokens are checked against the choice. GenAI runs the model for the appended tokens on the next
/// <see cref="NextLogits"/>. At most <see cref="GenAIGenerator.MaxBatchSize"/> rows.
/// </summary>
internal sealed class GenAIDecoderBatch : IDecoderBatch
{
    private readonly GenAIGenerator _generator;
    private float[] _logits = [];  // [n, V]
    private int _vocab;

    /// <summary>A generator on <paramref name="model"/> (adapter <paramref name="adapterName"/> active when given), prompts appended.</summary>
    public GenAIDecoderBatch(GenAIModel model, string? adapterName, IReadOnlyList<int[]> prompts, int maxLength)
    {
        Rows = prompts.Count;
        _generator = model.CreateGenerator(Rows, maxLength, adapterName);
        try
        {
            _generator.AppendTokenSequences(prompts);
        }
        catch
        {
            _generator.Dispose();
            throw;
        }
    }

    public int Rows { get; }

    public Span<float> NextLogits()
    {
        _vocab = _generator.GetLogits(ref _logits);  // [n, V]
        return _logits;
    }

    public void Append(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length != Rows) throw new ArgumentException($"{tokens.Length} tokens for {Rows} rows", nameof(tokens));
        for (int r = 0; r < Rows; r++)
        {
            Span<float> row = _logits.AsSpan(r * _vocab, _vocab);
            row.Fill(float.NegativeInfinity);
            row[tokens[r]] = 0;  // the greedy step takes exactly this token
        }
        _generator.SetLogitsAndGenerateNextToken(_logits, _vocab);
        ReadOnlySpan<int> taken = _generator.NextTokens;  // [n]
        for (int r = 0; r < Rows; r++)
        {
            if (taken[r] != tokens[r])
                throw new InvalidOperationException($"GenAI took token {taken[r]} for row {r}, not the chosen {tokens[r]}");
        }
    }

    public void Dispose() => _generator.Dispose();
}
