// One batch of rows decoded by an ONNX Runtime GenAI generator that takes exactly the tokens the engine chose.
using Hybrid.Onnx.GenAI;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Rollout.Decoding;

/// <summary>
/// A greedy GenAI <see cref="Generator"/> over a ragged <see cref="Sequences"/> batch (GenAI pads, masks and keeps the KV
/// cache). The engine's choice is handed over as logits that are 0 at the chosen id and −∞ elsewhere, so the greedy
/// step takes exactly it; the generator's own tokens are checked against the choice. GenAI runs the model for the
/// appended tokens on the next <see cref="NextLogits"/>. At most 32 rows (GenAI 0.15's generator cap).
/// </summary>
internal sealed class GenAIDecoderBatch : IDecoderBatch
{
    private readonly Generator _generator;
    private float[] _logits = [];  // [n, V]
    private int _vocab;

    /// <summary>A generator on <paramref name="model"/> (with adapter <paramref name="adapterName"/> of <paramref name="adapters"/> active when given), prompts appended.</summary>
    public GenAIDecoderBatch(Model model, Adapters? adapters, string? adapterName, IReadOnlyList<int[]> prompts, int maxLength)
    {
        Rows = prompts.Count;
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("batch_size", Rows);
        parameters.SetSearchOption("max_length", maxLength);
        parameters.SetSearchOption("num_return_sequences", 1);
        // Greedy: the engine draws (GenAI's CPU sampler cost more per step than the model run on small models, and its
        // top_k = 0 nucleus path drew outside the nucleus); a greedy generator follows the one-hot logits it is given.
        parameters.SetSearchOption("do_sample", false);
        // A greedy generator draws nothing, but without a seed GenAI seeds its RNG from std::random_device on every
        // Generator: ~12 ms per chunk here (0.1 ms with a fixed seed), as much as the tiny preset's whole 32-row decode.
        parameters.SetSearchOption("random_seed", 0);
        _generator = new Generator(model, parameters);
        try
        {
            if (adapterName is not null) _generator.SetActiveAdapter(adapters, adapterName);
            using Sequences batch = TokenSequences.Create(prompts);
            _generator.AppendTokenSequences(batch);
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
        _vocab = GeneratorLogits.Get(_generator, Rows, ref _logits);  // [n, V]
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
        GeneratorLogits.SetAndGenerateNextToken(_generator, _logits, Rows, _vocab);
        ReadOnlySpan<int> taken = _generator.GetNextTokens();  // [n]
        for (int r = 0; r < Rows; r++)
        {
            if (taken[r] != tokens[r])
                throw new InvalidOperationException($"GenAI took token {taken[r]} for row {r}, not the chosen {tokens[r]}");
        }
    }

    public void Dispose() => _generator.Dispose();
}
