// Solves a small dense linear system A x = b by Gaussian elimination with partial pivoting.
namespace Hybrid.Algorithms.Tests.Classic;

/// <summary>
/// Forward elimination with row pivoting on the largest |a_ik|, then back substitution: O(n³), exact up to rounding,
/// meant for the few-dozen-state systems of tabular policy evaluation. A (near-)singular matrix throws.
/// </summary>
public static class GaussianElimination
{
    /// <summary>x with A x = b (A [n, n] and b [n] are not modified).</summary>
    public static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        if (a.GetLength(0) != n || a.GetLength(1) != n) throw new ArgumentException($"GaussianElimination: A is [{a.GetLength(0)}, {a.GetLength(1)}] but b has {n} entries");
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++)
                if (Math.Abs(m[i, k]) > Math.Abs(m[pivot, k])) pivot = i;
            if (Math.Abs(m[pivot, k]) < 1e-14) throw new InvalidOperationException($"GaussianElimination: the matrix is singular (column {k}); for policy evaluation use γ < 1 or a policy that reaches a terminal state");
            if (pivot != k)
            {
                for (int j = 0; j < n; j++) (m[k, j], m[pivot, j]) = (m[pivot, j], m[k, j]);
                (x[k], x[pivot]) = (x[pivot], x[k]);
            }
            for (int i = k + 1; i < n; i++)
            {
                double f = m[i, k] / m[k, k];
                if (f == 0) continue;
                for (int j = k; j < n; j++) m[i, j] -= f * m[k, j];
                x[i] -= f * x[k];
            }
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = x[i];
            for (int j = i + 1; j < n; j++) sum -= m[i, j] * x[j];
            x[i] = sum / m[i, i];
        }
        return x;
    }
}
