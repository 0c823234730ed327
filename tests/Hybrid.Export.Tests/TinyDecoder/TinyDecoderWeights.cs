// The parameters of the tiny decoder, drawn from a seeded RNG, in row-major [in, out] layout as ONNX MatMul expects.
namespace Hybrid.Export.Tests.TinyDecoder;

/// <summary>Weights of one transformer block. Matrices are row-major [in, out]: y = x · W.</summary>
public sealed class TinyDecoderLayerWeights
{
    /// <summary>[D, D] query projection (heads side by side along the output axis: head h owns columns h·d … h·d+d-1).</summary>
    public required float[] QueryProjection { get; init; }

    /// <summary>[D, D] key projection.</summary>
    public required float[] KeyProjection { get; init; }

    /// <summary>[D, D] value projection.</summary>
    public required float[] ValueProjection { get; init; }

    /// <summary>[D, D] output projection of the concatenated heads.</summary>
    public required float[] OutputProjection { get; init; }

    /// <summary>[D, M] MLP up projection (followed by ReLU).</summary>
    public required float[] MlpUp { get; init; }

    /// <summary>[M, D] MLP down projection.</summary>
    public required float[] MlpDown { get; init; }
}

/// <summary>All parameters of a <see cref="TinyDecoderConfig"/> model.</summary>
public sealed class TinyDecoderWeights
{
    /// <summary>The shape these weights were made for.</summary>
    public required TinyDecoderConfig Config { get; init; }

    /// <summary>[V, D] token embedding table.</summary>
    public required float[] TokenEmbedding { get; init; }

    /// <summary>[C, D] learned position embedding table (C = context length).</summary>
    public required float[] PositionEmbedding { get; init; }

    /// <summary>One entry per block.</summary>
    public required TinyDecoderLayerWeights[] Layers { get; init; }

    /// <summary>[D, V] output projection to the vocabulary.</summary>
    public required float[] LmHead { get; init; }

    /// <summary>[V] output bias.</summary>
    public required float[] LmBias { get; init; }

    /// <summary>
    /// Weights drawn uniformly with standard deviation 1 for embeddings and 1/√fan_in for projections, so activations
    /// and logits stay O(1) and greedy choices are well separated (no near-ties that float rounding could flip).
    /// Same seed, same weights, on every machine (<see cref="Random(int)"/> is stable for a given seed).
    /// </summary>
    public static TinyDecoderWeights Random(TinyDecoderConfig config, int seed)
    {
        config.Validate();
        var rng = new Random(seed);
        int v = config.VocabSize, d = config.HiddenSize, m = config.MlpSize, c = config.ContextLength;

        float[] Draw(int rows, int cols, double std)
        {
            double half = std * Math.Sqrt(3.0); // U(-a, a) has std a/√3
            var values = new float[rows * cols];
            for (int i = 0; i < values.Length; i++)
                values[i] = (float)((rng.NextDouble() * 2.0 - 1.0) * half);
            return values;
        }

        float[] tokenEmbedding = Draw(v, d, 1.0);
        float[] positionEmbedding = Draw(c, d, 1.0);
        var layers = new TinyDecoderLayerWeights[config.NumLayers];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new TinyDecoderLayerWeights
            {
                QueryProjection = Draw(d, d, 1.0 / Math.Sqrt(d)),
                KeyProjection = Draw(d, d, 1.0 / Math.Sqrt(d)),
                ValueProjection = Draw(d, d, 1.0 / Math.Sqrt(d)),
                OutputProjection = Draw(d, d, 1.0 / Math.Sqrt(d)),
                MlpUp = Draw(d, m, 1.0 / Math.Sqrt(d)),
                MlpDown = Draw(m, d, 1.0 / Math.Sqrt(m)),
            };
        }
        return new TinyDecoderWeights
        {
            Config = config,
            TokenEmbedding = tokenEmbedding,
            PositionEmbedding = positionEmbedding,
            Layers = layers,
            LmHead = Draw(d, v, 1.0 / Math.Sqrt(d)),
            LmBias = Draw(1, v, 0.1),
        };
    }
}
