// The slow, obvious sampling distribution (temperature → top-k → top-p → renormalise) that the fast tensor path is tested against.

namespace Hybrid.Models.Generation;

/// <summary>
/// The distribution q a token is drawn from, written out one loop at a time in double precision, in ONNX Runtime GenAI's
/// order (<c>GreedySearch_Cpu::SampleTopKTopP</c> / <c>SampleTopK</c> / <c>SampleTopP</c> in its <c>search.cpp</c>):
/// <code>
/// 1. keep the K largest logits z (K = TopK, or all V when TopK is 0); ties go to the lower id
/// 2. p_i = softmax(z_i / T) over the kept ids
/// 3. sort the kept ids by p descending; keep the shortest prefix whose running sum reaches TopP
///    (id i is kept when the mass before it is &lt; TopP, so the id that crosses TopP stays)
/// 4. q_i = p_i / Σ_kept p   (0 for every id dropped)
/// </code>
/// Greedy settings (<see cref="SamplingParams.IsGreedy"/>) give a point mass on the argmax (lowest id on ties), as GenAI's
/// <c>SelectTop</c> picks it. The log-probability of a sampled token is log q of that token.
/// </summary>
public static class SamplingReference
{
    /// <summary>q over the whole vocabulary [V] for one row of logits [V].</summary>
    public static double[] Probabilities(ReadOnlySpan<float> logits, SamplingParams sampling)
    {
        int v = logits.Length;
        if (v == 0) throw new ArgumentException("logits must hold at least one value", nameof(logits));
        sampling.CheckVocabulary(v);
        var q = new double[v];
        var order = new int[v];
        for (int i = 0; i < v; i++) order[i] = i;
        float[] z = logits.ToArray();
        Array.Sort(order, (a, b) => z[a] != z[b] ? z[b].CompareTo(z[a]) : a.CompareTo(b));  // descending, lower id first on ties

        if (sampling.IsGreedy)
        {
            q[order[0]] = 1;
            return q;
        }

        // 1–2. top-k, then softmax of z / T over the kept ids (max subtracted for range).
        int k = sampling.TopK > 0 ? sampling.TopK : v;
        var p = new double[k];
        double max = z[order[0]] / sampling.Temperature, sum = 0;
        for (int i = 0; i < k; i++)
        {
            p[i] = Math.Exp(z[order[i]] / sampling.Temperature - max);
            sum += p[i];
        }
        for (int i = 0; i < k; i++) p[i] /= sum;

        // 3. nucleus: the kept ids are already in descending order of p.
        int kept = k;
        if (sampling.TopP < 1)
        {
            double before = 0;
            for (int i = 0; i < k; i++)
            {
                if (before >= sampling.TopP)
                {
                    kept = i;
                    break;
                }
                before += p[i];
            }
        }

        // 4. renormalise over the kept prefix.
        double mass = 0;
        for (int i = 0; i < kept; i++) mass += p[i];
        for (int i = 0; i < kept; i++) q[order[i]] = p[i] / mass;
        return q;
    }

    /// <summary>log q(<paramref name="token"/>): −∞ for a token the filters drop, 0 for the greedy choice.</summary>
    public static double LogProb(ReadOnlySpan<float> logits, int token, SamplingParams sampling) =>
        Math.Log(Probabilities(logits, sampling)[token]);
}
