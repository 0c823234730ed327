// The slow, obvious forward pass of the tiny decoder in plain loops: the reference every exported run is checked against.
namespace Hybrid.Export.Tests.TinyDecoder;

/// <summary>
/// Recomputes the whole sequence from scratch at every call (no KV cache, no batching, no padding), accumulating in
/// double. Positions are 0…T-1. Formulas, per position t and block:
/// <code>
/// x_t  = E[token_t] + P[t]
/// q,k,v = x·Wq, x·Wk, x·Wv                       split into H heads of size d
/// a_t  = Σ_{j≤t} softmax_j(q_t·k_j / √d) · v_j   per head, concatenated
/// x_t += a_t · Wo
/// x_t += relu(x_t · W1) · W2
/// logits_t = x_t · Wlm + b
/// </code>
/// </summary>
public sealed class TinyDecoderReference(TinyDecoderWeights weights)
{
    private readonly TinyDecoderConfig _config = weights.Config;

    /// <summary>Logits [T][V] for every position of <paramref name="tokens"/>.</summary>
    public float[][] Logits(IReadOnlyList<int> tokens)
    {
        int t = tokens.Count, dModel = _config.HiddenSize, heads = _config.NumHeads, d = _config.HeadSize;
        if (t == 0 || t > _config.ContextLength)
            throw new ArgumentException($"Sequence length {t} must be in 1..{_config.ContextLength} (ContextLength).", nameof(tokens));

        var x = new double[t][]; // [T][D] residual stream
        for (int i = 0; i < t; i++)
        {
            int token = tokens[i];
            if (token < 0 || token >= _config.VocabSize)
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"Token ids must be in 0..{_config.VocabSize - 1}.");
            x[i] = new double[dModel];
            for (int c = 0; c < dModel; c++)
                x[i][c] = weights.TokenEmbedding[token * dModel + c] + weights.PositionEmbedding[i * dModel + c];
        }

        foreach (TinyDecoderLayerWeights layer in weights.Layers)
        {
            double[][] q = MatMul(x, layer.QueryProjection, dModel, dModel); // [T][D]
            double[][] k = MatMul(x, layer.KeyProjection, dModel, dModel);   // [T][D]
            double[][] v = MatMul(x, layer.ValueProjection, dModel, dModel); // [T][D]
            var attended = new double[t][];                                // [T][D] heads concatenated
            for (int i = 0; i < t; i++)
            {
                attended[i] = new double[dModel];
                for (int h = 0; h < heads; h++)
                {
                    var scores = new double[i + 1]; // causal: keys 0..i
                    double max = double.NegativeInfinity;
                    for (int j = 0; j <= i; j++)
                    {
                        double dot = 0;
                        for (int c = 0; c < d; c++)
                            dot += q[i][h * d + c] * k[j][h * d + c];
                        scores[j] = dot / Math.Sqrt(d);
                        max = Math.Max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++)
                    {
                        scores[j] = Math.Exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int j = 0; j <= i; j++)
                    {
                        for (int c = 0; c < d; c++)
                            attended[i][h * d + c] += scores[j] / sum * v[j][h * d + c];
                    }
                }
            }
            AddInPlace(x, MatMul(attended, layer.OutputProjection, dModel, dModel));

            double[][] up = MatMul(x, layer.MlpUp, dModel, _config.MlpSize); // [T][M]
            foreach (double[] row in up)
            {
                for (int c = 0; c < row.Length; c++)
                    row[c] = Math.Max(0.0, row[c]);
            }
            AddInPlace(x, MatMul(up, layer.MlpDown, _config.MlpSize, dModel));
        }

        double[][] logits = MatMul(x, weights.LmHead, dModel, _config.VocabSize); // [T][V]
        var result = new float[t][];
        for (int i = 0; i < t; i++)
        {
            result[i] = new float[_config.VocabSize];
            for (int c = 0; c < _config.VocabSize; c++)
                result[i][c] = (float)(logits[i][c] + weights.LmBias[c]);
        }
        return result;
    }

    /// <summary>Logits [V] for the token after <paramref name="tokens"/>.</summary>
    public float[] NextTokenLogits(IReadOnlyList<int> tokens) => Logits(tokens)[^1];

    /// <summary>
    /// Greedy decoding as GenAI does it: append argmax (lowest id on ties) until <paramref name="maxNewTokens"/> tokens or the
    /// EOS id is produced; the EOS itself is not returned. Returns only the new tokens.
    /// </summary>
    public int[] Greedy(IReadOnlyList<int> prompt, int maxNewTokens)
    {
        var sequence = new List<int>(prompt);
        var generated = new List<int>();
        while (generated.Count < maxNewTokens && sequence.Count < _config.ContextLength)
        {
            int next = ArgMax(NextTokenLogits(sequence));
            if (next == _config.EosTokenId)
                break;
            sequence.Add(next);
            generated.Add(next);
        }
        return [.. generated];
    }

    /// <summary>Index of the largest value (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
        {
            if (values[i] > values[best])
                best = i;
        }
        return best;
    }

    private static double[][] MatMul(double[][] x, float[] w, int inputs, int outputs)
    {
        var y = new double[x.Length][];
        for (int i = 0; i < x.Length; i++)
        {
            y[i] = new double[outputs];
            for (int r = 0; r < inputs; r++)
            {
                double xr = x[i][r];
                for (int c = 0; c < outputs; c++)
                    y[i][c] += xr * w[r * outputs + c];
            }
        }
        return y;
    }

    private static void AddInPlace(double[][] x, double[][] delta)
    {
        for (int i = 0; i < x.Length; i++)
        {
            for (int c = 0; c < x[i].Length; c++)
                x[i][c] += delta[i][c];
        }
    }
}
