// The report's chart table — which metric keys each chart draws, as the trainers name them — and the drawing of a chart as PNG.
using ScottPlot;

namespace Hybrid.Cli.Report;

/// <summary>How a chart draws its keys: one line per key; a line with a ± std band; or seconds stacked per step.</summary>
internal enum ChartKind { Lines, MeanWithStd, StackedBars }

/// <summary>
/// One chart: <paramref name="Keys"/> in the order they are drawn, then any other key <paramref name="Also"/> accepts
/// (sorted). A key a run never logged a finite value for is left out; a chart none of whose keys has data is not drawn.
/// </summary>
internal sealed record ChartSpec(string Title, string YLabel, ChartKind Kind, string[] Keys, Func<string, bool>? Also = null)
{
    /// <summary>The keys of <paramref name="run"/> this chart draws, in drawing order.</summary>
    public IEnumerable<string> KeysOf(RunMetrics run)
    {
        bool HasData(string key) => run.Series.TryGetValue(key, out var points) && points.Count > 0;
        IEnumerable<string> others = Also is null ? [] : run.Series.Keys.Where(k => !Keys.Contains(k) && Also(k)).Order(StringComparer.Ordinal);
        return Keys.Concat(others).Where(HasData);
    }
}

/// <summary>A drawn chart: the PNG and the run it is about when each run gets a chart of its own (stacked bars), else null.</summary>
internal sealed record ChartImage(byte[] Png, string? Run);

internal static class ReportCharts
{
    /// <summary>
    /// The metric names of the trainers: TrainingRun (sft, dpo, reward: <c>loss</c>, SftTrainer's <c>eval_loss</c>),
    /// RlTrainer and its policy losses (<c>actor/*</c>, <c>critic/*</c>, <c>completions/*</c>, <c>rollout_corr/*</c> from
    /// RolloutMismatch and truncated importance sampling, PhaseTimer's <c>timing_s/{phase}</c>), RewardCombination
    /// (<c>rewards/{function}/mean</c> and <c>/std</c>), the online preference trainers (<c>reward</c>, <c>timing_s/*</c>).
    /// </summary>
    public static readonly IReadOnlyList<ChartSpec> Table =
    [
        new("Loss", "loss", ChartKind.Lines, ["loss", "eval_loss", "actor/pg_loss", "critic/vf_loss"]),
        new("Reward (mean ± std)", "reward", ChartKind.MeanWithStd, ["reward", "eval/reward"], IsRewardFunctionMean),
        new("KL", "KL", ChartKind.Lines, ["actor/reward_kl", "actor/kl_loss", "actor/ppo_kl", "kl"]),
        new("Entropy", "nats per token", ChartKind.Lines, ["actor/entropy"]),
        new("Clip fraction", "fraction of tokens", ChartKind.Lines, ["actor/pg_clipfrac", "actor/pg_clipfrac_lower", "rollout_corr/tis_clipfrac"]),
        new("Response length", "tokens", ChartKind.Lines, ["completions/mean_length"]),
        new("Rollout/trainer mismatch", "log-prob difference", ChartKind.Lines, ["rollout_corr/mean_abs_diff", "rollout_corr/max_abs_diff", "rollout_corr/kl"]),
        new("Time per phase", "seconds", ChartKind.StackedBars,
            [.. new[] { "gen", "reward", "old_log_prob", "ref", "values", "adv", "update_actor", "update_critic", "update_weights", "sync", "eval" }.Select(p => "timing_s/" + p)],
            k => k.StartsWith("timing_s/", StringComparison.Ordinal) && k != "timing_s/step"),   // timing_s/step is the whole step
    ];

    private static bool IsRewardFunctionMean(string key) => key.StartsWith("rewards/", StringComparison.Ordinal) && key.EndsWith("/mean", StringComparison.Ordinal);

    /// <summary>The key holding the standard deviation logged with a mean (<c>reward_std</c>, <c>rewards/{f}/std</c>), or null.</summary>
    private static string? StdKeyOf(string key) =>
        key == "reward" ? "reward_std" : IsRewardFunctionMean(key) ? key[..^"mean".Length] + "std" : null;

    private const int Width = 960, Height = 380;

    /// <summary>The chart's images (none when no run logged any of its keys): one overlaying every run, or one per run for stacked bars.</summary>
    public static IReadOnlyList<ChartImage> Draw(ChartSpec spec, IReadOnlyList<RunMetrics> runs)
    {
        if (!runs.Any(r => spec.KeysOf(r).Any())) return [];
        if (spec.Kind == ChartKind.StackedBars)
        {
            // One colour per phase across every run's chart, so that the charts read alike; the table's phase order first.
            string[] phases = [.. runs.SelectMany(spec.KeysOf).Distinct()
                                      .OrderBy(k => Array.IndexOf(spec.Keys, k) is >= 0 and var i ? i : int.MaxValue).ThenBy(k => k, StringComparer.Ordinal)];
            return runs.Where(r => spec.KeysOf(r).Any())
                       .Select(r => new ChartImage(StackedBars(spec, r, phases, runs.Count > 1 ? r.Name : null), runs.Count > 1 ? r.Name : null))
                       .ToList();
        }
        return [new ChartImage(Lines(spec, runs), null)];
    }

    /// <summary>A plot with its axes labelled; the page's heading names the chart, so only a per-run chart gets a title (the run's).</summary>
    private static Plot NewPlot(string? title, string yLabel)
    {
        var plot = new Plot();
        if (title is not null) plot.Title(title);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };   // steps are whole
        plot.XLabel("step (rl, online-dpo: iteration)");
        plot.YLabel(yLabel);
        return plot;
    }

    private static byte[] Png(Plot plot)
    {
        plot.ShowLegend(Edge.Right);
        return plot.GetImageBytes(Width, Height, ImageFormat.Png);
    }

    /// <summary>Each run's keys as a line with markers (a one-point series stays visible); with a ± std band where one was logged.</summary>
    private static byte[] Lines(ChartSpec spec, IReadOnlyList<RunMetrics> runs)
    {
        Plot plot = NewPlot(null, spec.YLabel);
        var palette = new ScottPlot.Palettes.Category10();
        int colour = 0;
        foreach (RunMetrics run in runs)
            foreach (string key in spec.KeysOf(run))
            {
                List<MetricPoint> points = run.Series[key];
                double[] xs = [.. points.Select(p => p.Step)], ys = [.. points.Select(p => p.Value)];
                Color color = palette.GetColor(colour++);
                if (spec.Kind == ChartKind.MeanWithStd && StdKeyOf(key) is string stdKey && run.Series.TryGetValue(stdKey, out var stds) && stds.Count > 0)
                {
                    var stdAt = stds.GroupBy(p => p.Step).ToDictionary(g => g.Key, g => g.Last().Value);
                    double[] std = [.. points.Select(p => stdAt.GetValueOrDefault(p.Step))];
                    var band = plot.Add.FillY(xs, [.. ys.Zip(std, (y, s) => y - s)], [.. ys.Zip(std, (y, s) => y + s)]);
                    band.FillColor = color.WithAlpha(0.2);
                    band.LineStyle.Width = 0;
                }
                var line = plot.Add.Scatter(xs, ys, color);
                line.LegendText = runs.Count > 1 ? $"{run.Name}: {key}" : key;
                line.LineWidth = 1.5f;
                line.MarkerSize = 4;
            }
        return Png(plot);
    }

    /// <summary>One bar per step, the seconds of each phase stacked in <paramref name="phases"/> order.</summary>
    private static byte[] StackedBars(ChartSpec spec, RunMetrics run, string[] phases, string? title)
    {
        Plot plot = NewPlot(title, spec.YLabel);
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>();
        var top = new Dictionary<double, double>();   // step → height stacked so far
        var present = spec.KeysOf(run).ToHashSet();
        for (int i = 0; i < phases.Length; i++)
        {
            if (!present.Contains(phases[i])) continue;
            Color color = palette.GetColor(i);
            foreach (var step in run.Series[phases[i]].GroupBy(p => p.Step))
            {
                double bottom = top.GetValueOrDefault(step.Key), seconds = step.Sum(p => p.Value);
                bars.Add(new Bar { Position = step.Key, ValueBase = bottom, Value = bottom + seconds, FillColor = color });
                top[step.Key] = bottom + seconds;
            }
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = phases[i]["timing_s/".Length..], FillColor = color });
        }
        plot.Add.Bars(bars);
        return Png(plot);
    }
}
