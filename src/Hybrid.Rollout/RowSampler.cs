// Draws one token from one row of next-token logits under the sampling distribution, with its log-probability.
using System.Numerics.Tensors;
using Hybrid.Models.Generation;

namespace Hybrid.Rollout;

/// <summary>
/// The rollout engine's sampler: <see cref="SamplingReference"/>'s distribution (top-k → ÷T → softmax → top-p →
/// renormalise, the order the trainer's <c>SamplingDistribution</c> uses) on one row of logits, and an exact draw from it by
/// inverse CDF. Returns the token and log q(token), so the recorded log-prob is that of the distribution the token was
/// drawn from. Without top-k/top-p (the RL default) one vectorised pass in float32 — z/T, max, exp, sum — as the
/// trainer's log-softmax computes it; with them, the ids are sorted by logit (in double). Not thread-safe: one instance
/// per decoding chunk.
/// </summary>
internal sealed class RowSampler(SamplingParams sampling, Random random)
{
    private readonly SamplingParams _sampling = sampling;
    private readonly Random _random = random;
    private int[] _order = [];
    private float[] _keys = [];
    private float[] _weights = [];

    /// <summary>The argmax of <paramref name="logits"/>, the lowest id on ties (GenAI's and the trainer's greedy choice).</summary>
    public static int Greedy(ReadOnlySpan<float> logits) => TensorPrimitives.IndexOfMax(logits);

    /// <summary>Draws from q(<paramref name="logits"/>); <paramref name="logQ"/> is log q(token).</summary>
    public int Draw(ReadOnlySpan<float> logits, out float logQ)
    {
        int v = logits.Length;
        bool topK = _sampling.TopK > 0 && _sampling.TopK < v;
        return !topK && _sampling.TopP >= 1 ? DrawUnfiltered(logits, out logQ) : DrawFiltered(logits, topK, out logQ);
    }

    /// <summary>q = softmax(z / T) over the whole vocabulary, in float32 (TensorPrimitives), drawn by a running sum.</summary>
    private int DrawUnfiltered(ReadOnlySpan<float> logits, out float logQ)
    {
        int v = logits.Length;
        if (_weights.Length != v) _weights = new float[v];
        Span<float> w = _weights;                                   // [V]
        float temperature = (float)_sampling.Temperature;
        if (temperature == 1) logits.CopyTo(w);
        else TensorPrimitives.Divide(logits, temperature, w);      // z / T
        float max = TensorPrimitives.Max(w);
        TensorPrimitives.Subtract(w, max, w);                       // z / T − max ≤ 0
        TensorPrimitives.Exp(w, w);                                 // unnormalised q
        float total = TensorPrimitives.Sum(w);

        double u = _random.NextDouble() * total, cumulative = 0;
        int token = -1;
        for (int i = 0; i < v; i++)
        {
            cumulative += w[i];
            if (u < cumulative)
            {
                token = i;
                break;
            }
        }
        if (token < 0) token = w.LastIndexOfAnyExcept(0f);        // u fell in the last float-rounding sliver
        float scaled = temperature == 1 ? logits[token] : logits[token] / temperature;
        logQ = scaled - max - MathF.Log(total);
        return token;
    }

    /// <summary>Top-k and/or top-p: ids sorted by descending logit, the kept set a prefix of them, in double.</summary>
    private int DrawFiltered(ReadOnlySpan<float> logits, bool topK, out float logQ)
    {
        int v = logits.Length;
        double temperature = _sampling.Temperature;
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
            if (u < cumulative)
            {
                pick = j;
                break;
            }
        }
        int token = _order[pick];
        logQ = (float)(logits[token] / temperature - max - Math.Log(total));
        return token;
    }
}
