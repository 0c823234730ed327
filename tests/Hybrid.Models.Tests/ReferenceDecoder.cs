// The slow, obvious Llama/Qwen2 forward: plain loops over double arrays, one sequence, no cache — the oracle of the fast path.
using Hybrid.Models.Config;
using Hybrid.Tensors.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

/// <summary>
/// Reads a model's parameters (by their Hugging Face names, via <c>ToArray</c>) into doubles and computes logits for one
/// unpadded sequence at positions 0..T−1 by the textbook formulas, using no tensor op of the binding:
/// x = E[id]; per layer x += o(attn(rms(x))), x += down(silu(gate(rms(x)))·up(rms(x))); logits = W_lm · rms(x).
/// </summary>
internal sealed class ReferenceDecoder
{
    private readonly DecoderConfig _c;
    private readonly Dictionary<string, double[]> _w;

    public ReferenceDecoder(DecoderConfig config, nn.Module model, string prefix = "")
    {
        _c = config;
        _w = model.named_parameters().ToDictionary(p => p.name[prefix.Length..], p => Array.ConvertAll(p.parameter.data<float>().ToArray(), v => (double)v));
    }

    /// <summary>Hidden states after the final norm, [T][Dm].</summary>
    public double[][] Hidden(long[] ids)
    {
        int t = ids.Length, d = _c.HiddenSize, hd = _c.HeadDim, h = _c.NumAttentionHeads, kvh = _c.NumKeyValueHeads;
        int group = h / kvh;
        double[] embed = _w["model.embed_tokens.weight"];
        double[][] x = ids.Select(id => embed.AsSpan((int)id * d, d).ToArray()).ToArray();
        for (int l = 0; l < _c.NumHiddenLayers; l++)
        {
            string p = $"model.layers.{l}.";
            double[][] normed = x.Select(row => RmsNorm(row, _w[p + "input_layernorm.weight"])).ToArray();
            double[][] q = normed.Select(row => Linear(row, p + "self_attn.q_proj")).ToArray();  // [T][H·D]
            double[][] k = normed.Select(row => Linear(row, p + "self_attn.k_proj")).ToArray();  // [T][Hkv·D]
            double[][] v = normed.Select(row => Linear(row, p + "self_attn.v_proj")).ToArray();  // [T][Hkv·D]
            for (int i = 0; i < t; i++)
            {
                for (int head = 0; head < h; head++) Rotate(q[i], head * hd, hd, position: i);
                for (int head = 0; head < kvh; head++) Rotate(k[i], head * hd, hd, position: i);
            }
            var context = new double[t][];
            for (int i = 0; i < t; i++)
            {
                context[i] = new double[h * hd];
                for (int head = 0; head < h; head++)
                {
                    int kvOffset = head / group * hd, qOffset = head * hd;
                    var scores = new double[i + 1];
                    for (int j = 0; j <= i; j++)
                    {
                        double dot = 0;
                        for (int e = 0; e < hd; e++) dot += q[i][qOffset + e] * k[j][kvOffset + e];
                        scores[j] = dot / Math.Sqrt(hd);
                    }
                    double max = scores.Max(), sum = scores.Sum(s => Math.Exp(s - max));
                    for (int j = 0; j <= i; j++)
                    {
                        double weight = Math.Exp(scores[j] - max) / sum;
                        for (int e = 0; e < hd; e++) context[i][qOffset + e] += weight * v[j][kvOffset + e];
                    }
                }
            }
            for (int i = 0; i < t; i++)
            {
                double[] attn = Linear(context[i], p + "self_attn.o_proj");
                for (int e = 0; e < d; e++) x[i][e] += attn[e];
                double[] n2 = RmsNorm(x[i], _w[p + "post_attention_layernorm.weight"]);
                double[] gate = Linear(n2, p + "mlp.gate_proj"), up = Linear(n2, p + "mlp.up_proj");
                double[] act = gate.Select((g, f) => g / (1 + Math.Exp(-g)) * up[f]).ToArray();
                double[] down = Linear(act, p + "mlp.down_proj");
                for (int e = 0; e < d; e++) x[i][e] += down[e];
            }
        }
        return x.Select(row => RmsNorm(row, _w["model.norm.weight"])).ToArray();
    }

    /// <summary>Logits [T][V] for one unpadded sequence.</summary>
    public double[][] Logits(long[] ids)
    {
        double[] head = _w.TryGetValue("lm_head.weight", out var lm) ? lm : _w["model.embed_tokens.weight"];
        return Hidden(ids).Select(row => MatVec(head, row, _c.VocabSize)).ToArray();
    }

    /// <summary>log softmax of each row of <paramref name="logits"/>.</summary>
    public static double[][] LogSoftmax(double[][] logits) => logits.Select(row =>
    {
        double max = row.Max(), lse = max + Math.Log(row.Sum(z => Math.Exp(z - max)));
        return row.Select(z => z - lse).ToArray();
    }).ToArray();

    private double[] Linear(double[] x, string name)
    {
        double[] w = _w[name + ".weight"];
        double[] y = MatVec(w, x, w.Length / x.Length);
        if (_w.TryGetValue(name + ".bias", out var b)) for (int o = 0; o < y.Length; o++) y[o] += b[o];
        return y;
    }

    private static double[] MatVec(double[] w, double[] x, int rows)
    {
        var y = new double[rows];
        for (int o = 0; o < rows; o++)
        {
            double s = 0;
            for (int i = 0; i < x.Length; i++) s += w[o * x.Length + i] * x[i];
            y[o] = s;
        }
        return y;
    }

    private double[] RmsNorm(double[] x, double[] weight)
    {
        double meanSquare = x.Sum(v => v * v) / x.Length;
        double scale = 1 / Math.Sqrt(meanSquare + _c.RmsNormEps);
        return x.Select((v, i) => v * scale * weight[i]).ToArray();
    }

    /// <summary>RoPE, rotate_half layout: pairs (i, i + D/2) rotated by position / θ^(2i/D).</summary>
    private void Rotate(double[] vector, int offset, int headDim, int position)
    {
        int half = headDim / 2;
        for (int i = 0; i < half; i++)
        {
            double angle = position / Math.Pow(_c.RopeTheta, 2.0 * i / headDim);
            double a = vector[offset + i], b = vector[offset + half + i];
            vector[offset + i] = a * Math.Cos(angle) - b * Math.Sin(angle);
            vector[offset + half + i] = b * Math.Cos(angle) + a * Math.Sin(angle);
        }
    }
}
