// Draws one token from one row of next-token logits under the sampling distribution, with its log-probability.
using Hybrid.Models.Generation;

namespace Hybrid.Rollout;

/// <summary>
/// The rollout engine's sampler: <see cref="SamplingReference"/>'s distribution (top-k → ÷T → softmax → top-p →
/// renormalise, the order <see cref="SamplingDistribution"/> uses) on one row of logits, computed in double, and an
/// exact draw from it by inverse CDF. Returns the token and log q(token), so the recorded log-prob is that of the
/// distribution the token was drawn from. Not thread-safe: one instance per decoding chunk.
/// </summary>
internal sealed class RowSampler(SamplingParams sampling, Random random)
{
    private readonly SamplingParams _sampling = sampling;
    private readonly Random _random = random;
    private int[] _order = [];
    private float[] _keys = [];
    private double[] _weights = [];

    /// <summary>Draws from q(<paramref name="logits"/>); <paramref name="logQ"/> is log q(token).</summary>
    public int Draw(ReadOnlySpan<float> logits, out float logQ)
    {
        int v = logits.Length;
        double temperature = _sampling.Temperature;
        bool topK = _sampling.TopK > 0 && _sampling.TopK < v;
        if (!topK && _sampling.TopP >= 1) return DrawUnfiltered(logits, temperature, out logQ);

        // Ids in descending logit order (z / T keeps the order, T > 0); the kept set is a prefix.
        if (_order.Length != v) (_order, _keys) = (new int[v], new float[v]);
        for (int i = 0; i < v; i++) (_order[i], _keys[i]) = (i, -logits[i]);
        Array.Sort(_keys, _order);
        int kept = topK ? _sampling.TopK : v;
        double max = logits[_order[0]] / temperature;
        double total = 0;
        for (int j = 0; j < kept; j++) total += Math.Exp(logits[_order[j]] / temperature - max);
        if (_sampling.TopP < 1)
        {
            // Keep id j while the mass of the more likely ids is below top_p (the first is always kept).
            double before = 0;
            int nucleus = 0;
            while (nucleus < kept && before < _sampling.TopP)
            {
                before += Math.Exp(logits[_order[nucleus]] / temperature - max) / total;
                nucleus++;
            }
            kept = nucleus;
            total = 0;
            for (int j = 0; j < kept; j++) total += Math.Exp(logits[_order[j]] / temperature - max);
        }
        double u = _random.NextDouble() * total, cumulative = 0;
        int pick = kept - 1;
        for (int j = 0; j < kept; j++)
        {
            cumulative += Math.Exp(logits[_order[j]] / temperature - max);
            if (u < cumulative) { pick = j; break; }
        }
        int token = _order[pick];
        logQ = (float)(logits[token] / temperature - max - Math.Log(total));
        return token;
    }

    private int DrawUnfiltered(ReadOnlySpan<float> logits, double temperature, out float logQ)
    {
        int v = logits.Length;
        if (_weights.Length != v) _weights = new double[v];
        double max = double.NegativeInfinity;
        foreach (float z in logits) max = Math.Max(max, z);
        max /= temperature;
        double total = 0;
        for (int i = 0; i < v; i++) total += _weights[i] = Math.Exp(logits[i] / temperature - max);
        double u = _random.NextDouble() * total, cumulative = 0;
        int token = v - 1;
        for (int i = 0; i < v; i++)
        {
            cumulative += _weights[i];
            if (u < cumulative) { token = i; break; }
        }
        logQ = (float)(logits[token] / temperature - max - Math.Log(total));
        return token;
    }
}
