// Slow, obvious plain-loop references for the RL axes, written from the formulas (never from the vectorised code).
namespace Hybrid.Algorithms.Tests.Rl;

internal static class RlReference
{
    /// <summary>Index of the last masked position of row i, or −1 for an empty row.</summary>
    public static int Last(double[,] mask, int i)
    {
        int last = -1;
        for (int t = 0; t < mask.GetLength(1); t++) if (mask[i, t] > 0) last = t;
        return last;
    }

    public static double[,] Broadcast(double[] perRow, double[,] mask)
    {
        var a = new double[mask.GetLength(0), mask.GetLength(1)];
        for (int i = 0; i < perRow.Length; i++)
            for (int t = 0; t < mask.GetLength(1); t++) a[i, t] = perRow[i] * mask[i, t];
        return a;
    }

    public static double[] Grpo(double[] r, int g, double eps, bool divideByStd = true)
    {
        var a = new double[r.Length];
        for (int p = 0; p < r.Length / g; p++)
        {
            double mean = 0;
            for (int j = 0; j < g; j++) mean += r[p * g + j];
            mean /= g;
            double ss = 0;
            for (int j = 0; j < g; j++) ss += (r[p * g + j] - mean) * (r[p * g + j] - mean);
            double std = Math.Sqrt(ss / (g - 1));
            for (int j = 0; j < g; j++) a[p * g + j] = divideByStd ? (r[p * g + j] - mean) / (std + eps) : r[p * g + j] - mean;
        }
        return a;
    }

    public static double[] Rloo(double[] r, int g)
    {
        var a = new double[r.Length];
        for (int p = 0; p < r.Length / g; p++)
            for (int i = 0; i < g; i++)
            {
                double others = 0;
                for (int j = 0; j < g; j++) if (j != i) others += r[p * g + j];
                a[p * g + i] = r[p * g + i] - others / (g - 1);
            }
        return a;
    }

    /// <summary>r_t = tokenRewards_t·m_t + score·[t = last].</summary>
    public static double[,] TokenRewards(double[] scores, double[,] mask, double[,]? tokenRewards)
    {
        int n = mask.GetLength(0), w = mask.GetLength(1);
        var r = new double[n, w];
        for (int i = 0; i < n; i++)
        {
            for (int t = 0; t < w; t++) r[i, t] = tokenRewards is null ? 0 : tokenRewards[i, t] * mask[i, t];
            int last = Last(mask, i);
            if (last >= 0) r[i, last] += scores[i];
        }
        return r;
    }

    /// <summary>G_t = Σ_{k ≥ t} γ^{k−t} r_k, times the mask, by the double loop.</summary>
    public static double[,] ReturnToGo(double[,] r, double[,] mask, double gamma)
    {
        int n = r.GetLength(0), w = r.GetLength(1);
        var g = new double[n, w];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < w; t++)
            {
                if (mask[i, t] == 0) continue;
                double sum = 0;
                for (int k = t; k < w; k++) sum += Math.Pow(gamma, k - t) * r[i, k];
                g[i, t] = sum;
            }
        return g;
    }

    /// <summary>(x − μ)/(σ + ε) over masked entries, σ unbiased; 0 on padding.</summary>
    public static double[,] Whiten(double[,] x, double[,] mask, double eps)
    {
        int n = x.GetLength(0), w = x.GetLength(1);
        double count = 0, sum = 0;
        for (int i = 0; i < n; i++) for (int t = 0; t < w; t++) if (mask[i, t] > 0) { count++; sum += x[i, t]; }
        double mean = sum / count, ss = 0;
        for (int i = 0; i < n; i++) for (int t = 0; t < w; t++) if (mask[i, t] > 0) ss += (x[i, t] - mean) * (x[i, t] - mean);
        double std = Math.Sqrt(ss / (count - 1));
        var y = new double[n, w];
        for (int i = 0; i < n; i++) for (int t = 0; t < w; t++) if (mask[i, t] > 0) y[i, t] = (x[i, t] - mean) / (std + eps);
        return y;
    }

    /// <summary>GAE by the textbook backward recursion per row: δ_t = r_t + γV_{t+1} − V_t (V = 0 after the last token), Â_t = δ_t + γλÂ_{t+1}.</summary>
    public static (double[,] Advantages, double[,] Returns) Gae(double[,] r, double[,] v, double[,] mask, double gamma, double lambda)
    {
        int n = r.GetLength(0), w = r.GetLength(1);
        var adv = new double[n, w];
        var ret = new double[n, w];
        for (int i = 0; i < n; i++)
        {
            int last = Last(mask, i);
            double next = 0;
            for (int t = last; t >= 0; t--)
            {
                double nextValue = t == last ? 0 : v[i, t + 1];
                double delta = r[i, t] + gamma * nextValue - v[i, t];
                next = delta + gamma * lambda * next;
                adv[i, t] = next;
                ret[i, t] = next + v[i, t];
            }
        }
        return (adv, ret);
    }

    /// <summary>Per-token ppo_clip loss with decoupled clip and optional dual clip, plus its clip fractions.</summary>
    public static (double[,] Loss, double ClipFrac, double ClipFracLower) PpoClip(double[,] logp, double[,] old, double[,] a, double[,] mask,
        double low, double high, double? dual)
    {
        int n = logp.GetLength(0), w = logp.GetLength(1);
        var loss = new double[n, w];
        double tokens = 0, clipped = 0, lower = 0;
        for (int i = 0; i < n; i++)
            for (int t = 0; t < w; t++)
            {
                if (mask[i, t] == 0) continue;
                tokens++;
                double ratio = Math.Exp(logp[i, t] - old[i, t]);
                double surrogate = Math.Min(ratio * a[i, t], Math.Clamp(ratio, 1 - low, 1 + high) * a[i, t]);
                if (Math.Clamp(ratio, 1 - low, 1 + high) * a[i, t] < ratio * a[i, t]) clipped++;
                double l = -surrogate;
                if (dual is double c && a[i, t] < 0 && l > -a[i, t] * c) { l = -a[i, t] * c; lower++; }
                loss[i, t] = l;
            }
        return (loss, clipped / tokens, lower / tokens);
    }

    public static double MaskedMean(double[,] x, double[,] mask)
    {
        double s = 0, c = 0;
        for (int i = 0; i < x.GetLength(0); i++)
            for (int t = 0; t < x.GetLength(1); t++) { s += x[i, t] * mask[i, t]; c += mask[i, t]; }
        return c == 0 ? 0 : s / c;
    }

    public static double RowMean(double[,] x, double[,] mask, int i)
    {
        double s = 0, c = 0;
        for (int t = 0; t < x.GetLength(1); t++) { s += x[i, t] * mask[i, t]; c += mask[i, t]; }
        return c == 0 ? 0 : s / c;
    }

    /// <summary>GSPO's per-sequence loss −min(s·Â, clip(s)·Â), s = exp(mean_t log ρ_t).</summary>
    public static double[] GspoSequenceLoss(double[,] logp, double[,] old, double[] a, double[,] mask, double low, double high)
    {
        int n = logp.GetLength(0);
        var loss = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0, c = 0;
            for (int t = 0; t < logp.GetLength(1); t++) { s += (logp[i, t] - old[i, t]) * mask[i, t]; c += mask[i, t]; }
            double ratio = Math.Exp(c == 0 ? 0 : s / c);
            loss[i] = -Math.Min(ratio * a[i], Math.Clamp(ratio, 1 - low, 1 + high) * a[i]);
        }
        return loss;
    }

    /// <summary>GMPO's per-sequence loss −sign(Â)·(Π_t |min(ρÂ, clip(ρ, e^−low, e^high)Â)|)^{1/|o|}, by the literal product.</summary>
    public static double[] GmpoSequenceLoss(double[,] logp, double[,] old, double[] a, double[,] mask, double low, double high)
    {
        int n = logp.GetLength(0);
        var loss = new double[n];
        for (int i = 0; i < n; i++)
        {
            double product = 1, count = 0;
            for (int t = 0; t < logp.GetLength(1); t++)
            {
                if (mask[i, t] == 0) continue;
                double ratio = Math.Exp(logp[i, t] - old[i, t]);
                double clipped = Math.Clamp(ratio, Math.Exp(-low), Math.Exp(high));
                product *= Math.Abs(Math.Min(ratio * a[i], clipped * a[i]));
                count++;
            }
            loss[i] = a[i] == 0 ? 0 : -Math.Sign(a[i]) * Math.Pow(product, 1.0 / count);
        }
        return loss;
    }

    /// <summary>GVPO: the mean over prompt groups of ½Σ_i[(R_θ,i − mean R_θ) − (R_i − mean R)]², R_θ = β Σ_t m(logp − ref).</summary>
    public static double Gvpo(double[,] logp, double[,] reference, double[] scores, double[,] mask, int g, double beta)
    {
        int n = logp.GetLength(0), prompts = n / g;
        double total = 0;
        for (int p = 0; p < prompts; p++)
        {
            var implicitReward = new double[g];
            for (int j = 0; j < g; j++)
                for (int t = 0; t < logp.GetLength(1); t++)
                    implicitReward[j] += beta * (logp[p * g + j, t] - reference[p * g + j, t]) * mask[p * g + j, t];
            double meanImplicit = implicitReward.Average(), meanReward = 0;
            for (int j = 0; j < g; j++) meanReward += scores[p * g + j] / g;
            double groupLoss = 0;
            for (int j = 0; j < g; j++)
            {
                double e = (implicitReward[j] - meanImplicit) - (scores[p * g + j] - meanReward);
                groupLoss += 0.5 * e * e;
            }
            total += groupLoss;
        }
        return total / prompts;
    }

    public static double TokenMean(double[,] loss, double[,] mask) => MaskedMean(loss, mask);

    public static double SeqMeanTokenMean(double[,] loss, double[,] mask)
    {
        double s = 0; int rows = 0;
        for (int i = 0; i < loss.GetLength(0); i++)
        {
            double c = 0, sum = 0;
            for (int t = 0; t < loss.GetLength(1); t++) { sum += loss[i, t] * mask[i, t]; c += mask[i, t]; }
            if (c > 0) { s += sum / c; rows++; }
        }
        return rows == 0 ? 0 : s / rows;
    }

    public static double SeqMeanTokenSum(double[,] loss, double[,] mask)
    {
        double s = 0; int rows = 0;
        for (int i = 0; i < loss.GetLength(0); i++)
        {
            double c = 0, sum = 0;
            for (int t = 0; t < loss.GetLength(1); t++) { sum += loss[i, t] * mask[i, t]; c += mask[i, t]; }
            if (c > 0) { s += sum; rows++; }
        }
        return rows == 0 ? 0 : s / rows;
    }

    public static double SeqMeanTokenSumNorm(double[,] loss, double[,] mask, double length)
    {
        double s = 0;
        for (int i = 0; i < loss.GetLength(0); i++)
            for (int t = 0; t < loss.GetLength(1); t++) s += loss[i, t] * mask[i, t] / length;
        return s / loss.GetLength(0);
    }
}
