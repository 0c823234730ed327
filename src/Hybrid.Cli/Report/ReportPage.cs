// The report as one self-contained HTML page: charts inlined as base64 PNG, the settings and final metrics side by side per run.
using System.Globalization;
using System.Net;
using System.Text;

namespace Hybrid.Cli.Report;

/// <summary>What the page says: its HTML, and the titles of the charts that were drawn and of those that had no data.</summary>
internal sealed record ReportResult(string Html, IReadOnlyList<string> Drawn, IReadOnlyList<string> NoData);

internal static class ReportPage
{
    /// <summary>Builds the page for one run or several overlaid (one series and one table column per run). Nothing in it is fetched from the network.</summary>
    public static ReportResult Build(IReadOnlyList<RunMetrics> runs)
    {
        var html = new StringBuilder();
        string title = "Hybrid report — " + string.Join(", ", runs.Select(r => r.Name));
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>{{E(title)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
            img { max-width: 100%; display: block; margin: 0.5em 0 1.5em; }
            table { border-collapse: collapse; margin-bottom: 2em; font-size: 0.9em; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
            td.num { text-align: right; font-variant-numeric: tabular-nums; }
            .nodata { color: #777; }
            </style>
            </head>
            <body>
            <h1>{{E(title)}}</h1>
            <p>Runs: {{string.Join(", ", runs.Select(r => $"<code>{E(r.Folder)}</code>"))}}</p>

            """);

        var drawn = new List<string>();
        var noData = new List<string>();
        html.Append("<section id=\"charts\">\n");
        foreach (ChartSpec spec in ReportCharts.Table)
        {
            IReadOnlyList<ChartImage> images = ReportCharts.Draw(spec, runs);
            if (images.Count == 0) { noData.Add(spec.Title); continue; }
            drawn.Add(spec.Title);
            html.Append($"<h2>{E(spec.Title)}</h2>\n");
            foreach (ChartImage image in images)
                html.Append($"<img alt=\"{E(image.Run is null ? spec.Title : $"{spec.Title} — {image.Run}")}\" src=\"data:image/png;base64,{Convert.ToBase64String(image.Png)}\">\n");
        }
        if (noData.Count > 0)
            html.Append($"<p class=\"nodata\" id=\"no-data\">No data logged for: {E(string.Join(", ", noData))}.</p>\n");
        html.Append("</section>\n");

        html.Append("<h2>Settings</h2>\n");
        if (runs.All(r => r.Settings.Count == 0)) html.Append("<p class=\"nodata\">No run_config.json (the runs did not finish, or predate it).</p>\n");
        else Table(html, "settings", runs, runs.SelectMany(r => r.Settings.Select(kv => kv.Key)).Distinct(),
                   (run, key) => run.Settings.FirstOrDefault(kv => kv.Key == key).Value is string v ? (E(v), false) : ("", false));

        html.Append("<h2>Final metrics</h2>\n");
        Table(html, "final-metrics", runs, runs.SelectMany(r => r.Series.Keys).Distinct().Order(StringComparer.Ordinal),
              (run, key) => run.Last(key) is double v ? (Number(v), true) : (run.Series.ContainsKey(key) ? "not finite" : "", false));
        html.Append("</body>\n</html>\n");
        return new ReportResult(html.ToString(), drawn, noData);
    }

    /// <summary>A value as the final-metrics table shows it: round-trip precision, invariant culture.</summary>
    public static string Number(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A table with one row per key and one column per run; <paramref name="cell"/> gives the encoded text and whether it is a number.</summary>
    private static void Table(StringBuilder html, string id, IReadOnlyList<RunMetrics> runs, IEnumerable<string> keys, Func<RunMetrics, string, (string Text, bool Numeric)> cell)
    {
        html.Append($"<table id=\"{id}\">\n<tr><th></th>{string.Concat(runs.Select(r => $"<th>{E(r.Name)}</th>"))}</tr>\n");
        foreach (string key in keys)
        {
            html.Append($"<tr><th>{E(key)}</th>");
            foreach (RunMetrics run in runs)
            {
                var (text, numeric) = cell(run, key);
                html.Append(numeric ? $"<td class=\"num\">{text}</td>" : $"<td>{text}</td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</table>\n");
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
