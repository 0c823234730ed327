// `hybrid report` on real runs: a tiny sft and rl run reported alone and overlaid — self-contained, every chart, setting
// and final value on the page, rendered by headless Chromium to a non-blank screenshot — and bad input as one line.
using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Hybrid.Cli.Tests;

/// <summary>A `tiny` model (hybrid init-model) and two short runs of it: sft with held-out loss, rl with two rule rewards.</summary>
public sealed class ReportRuns : IDisposable
{
    public string Dir { get; } = Directory.CreateTempSubdirectory("hybrid-report-").FullName;
    public string Sft => Path.Combine(Dir, "sft-run");
    public string Rl => Path.Combine(Dir, "rl-run");

    public ReportRuns()
    {
        string model = Path.Combine(Dir, "tiny"), sftData = Path.Combine(Dir, "sft.jsonl"), prompts = Path.Combine(Dir, "prompts.jsonl");
        File.WriteAllLines(sftData, Enumerable.Range(0, 16).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+1=", completion = $"{i + 1}" })));
        File.WriteAllLines(prompts, Enumerable.Range(0, 8).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+1=", answer = $"{i + 1}" })));
        Run("init-model", "--preset", "tiny", "--out", model);
        Run("sft", "--model", model, "--data", sftData, "--eval-data", sftData, "--eval-steps", "2", "--out", Sft, "--max-steps", "4",
            "--batch-size", "4", "--logging-steps", "1", "--lr", "1e-3");
        Run("rl", "--model", model, "--data", prompts, "--out", Rl, "--group-size", "2", "--prompts-per-iteration", "2",
            "--max-new-tokens", "4", "--iterations", "3", "--reward", "accuracy:1,length_penalty:1");
    }

    private static void Run(params string[] args)
    {
        var (code, _, err) = HybridProcess.Run(args);
        if (code != 0) throw new InvalidOperationException($"hybrid {args[0]} failed ({code}): {err}");
    }

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}

public sealed class ReportCliTests(ReportRuns runs) : IClassFixture<ReportRuns>
{
    private static readonly string[] AllCharts =
        ["Loss", "Reward (mean ± std)", "KL", "Entropy", "Clip fraction", "Response length", "Rollout/trainer mismatch", "Time per phase"];

    /// <summary>The last finite value of <paramref name="key"/> in a run's metrics.jsonl, read here independently of the CLI.</summary>
    private static double LastLogged(string run, string key) =>
        File.ReadLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonNode.Parse(l)![key]).OfType<JsonValue>()
            .Where(v => v.GetValueKind() == JsonValueKind.Number).Select(v => v.GetValue<double>()).Last();

    /// <summary>The cells of a row of the page's table <paramref name="tableId"/>, HTML-decoded, one per run.</summary>
    private static string[] Row(string html, string tableId, string key)
    {
        string table = Regex.Match(html, $"<table id=\"{tableId}\">(.*?)</table>", RegexOptions.Singleline).Groups[1].Value;
        Match row = Regex.Match(table, $"<tr><th>{Regex.Escape(WebUtility.HtmlEncode(key))}</th>(.*?)</tr>");
        Assert.True(row.Success, $"no row '{key}' in table {tableId}");
        return Regex.Matches(row.Groups[1].Value, "<td[^>]*>(.*?)</td>").Select(m => WebUtility.HtmlDecode(m.Groups[1].Value)).ToArray();
    }

    private static double Cell(string text) => double.Parse(text, CultureInfo.InvariantCulture);

    /// <summary>No script, style, image or link is fetched: no http(s) address in any src or href, and every image is inline.</summary>
    private static void AssertSelfContained(string html)
    {
        Assert.DoesNotMatch(new Regex("(src|href)\\s*=\\s*[\"']?\\s*(https?:)?//", RegexOptions.IgnoreCase), html);
        Assert.DoesNotMatch(new Regex("<script|<link|@import|url\\(", RegexOptions.IgnoreCase), html);
        var images = Regex.Matches(html, "<img [^>]*src=\"([^\"]{0,30})").Select(m => m.Groups[1].Value).ToArray();
        Assert.NotEmpty(images);
        Assert.All(images, src => Assert.StartsWith("data:image/png;base64,", src));
    }

    [Fact]
    public void ARunsReportHasEveryChartItLoggedItsSettingsAndItsFinalMetrics()
    {
        // rl logs every charted metric; the report goes to RUN_DIR/report.html by default.
        var (code, stdout, stderr) = HybridProcess.Run("report", runs.Rl);
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        string path = Path.Combine(runs.Rl, "report.html");
        Assert.Contains(path, stdout);
        string html = File.ReadAllText(path);
        AssertSelfContained(html);
        string text = WebUtility.HtmlDecode(html);
        foreach (string title in AllCharts) Assert.Contains($"<h2>{title}</h2>", text);
        Assert.Equal(AllCharts.Length, Regex.Matches(html, "<img ").Count);
        Assert.DoesNotContain("No data logged for", text);
        Assert.Equal(["2"], Row(html, "settings", "group-size"));                    // from run_config.json
        Assert.Equal(["accuracy:1,length_penalty:1"], Row(html, "settings", "reward"));
        foreach (string key in new[] { "actor/entropy", "completions/mean_length", "rewards/length_penalty/mean", "rollout_corr/mean_abs_diff" })
            Assert.Equal(LastLogged(runs.Rl, key), Cell(Assert.Single(Row(html, "final-metrics", key))));

        // sft logs losses only: one chart, and the page names the seven without data.
        (code, stdout, stderr) = HybridProcess.Run("report", runs.Sft);
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        html = File.ReadAllText(Path.Combine(runs.Sft, "report.html"));
        text = WebUtility.HtmlDecode(html);
        Assert.Contains("<h2>Loss</h2>", text);
        Assert.Single(Regex.Matches(html, "<img "));
        Assert.Contains($"No data logged for: {string.Join(", ", AllCharts[1..])}.", text);
        Assert.Equal(LastLogged(runs.Sft, "loss"), Cell(Assert.Single(Row(html, "final-metrics", "loss"))));
        Assert.Equal(LastLogged(runs.Sft, "eval_loss"), Cell(Assert.Single(Row(html, "final-metrics", "eval_loss"))));
        Assert.Equal(["0.001"], Row(html, "settings", "lr"));
    }

    [Fact]
    public void OverlaidRunsShareChartsWithAColumnPerRunAndChromiumRendersThePage()
    {
        string output = Path.Combine(runs.Dir, "both.html");
        var (code, stdout, stderr) = HybridProcess.Run("report", runs.Sft, runs.Rl, "--out", output);
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        string html = File.ReadAllText(output);
        AssertSelfContained(html);
        string text = WebUtility.HtmlDecode(html);
        foreach (string title in AllCharts) Assert.Contains($"<h2>{title}</h2>", text);
        Assert.Contains("<tr><th></th><th>sft-run</th><th>rl-run</th></tr>", html);   // one column per run, in the order given
        string[] loss = Row(html, "final-metrics", "loss"), entropy = Row(html, "final-metrics", "actor/entropy");
        Assert.Equal(LastLogged(runs.Sft, "loss"), Cell(loss[0]));
        Assert.Equal("", loss[1]);                                                   // rl logs no plain loss
        Assert.Equal("", entropy[0]);
        Assert.Equal(LastLogged(runs.Rl, "actor/entropy"), Cell(entropy[1]));
        string rlLr = JsonNode.Parse(File.ReadAllText(Path.Combine(runs.Rl, "run_config.json")))!["lr"]!.ToJsonString();
        Assert.Equal(["0.001", rlLr], Row(html, "settings", "lr"));

        // Headless Chromium (tools/setup.sh installs it) renders the page offline: every title in its DOM, a screenshot with charts on it.
        string dom = Chromium("--dump-dom", new Uri(output).AbsoluteUri);
        foreach (string title in AllCharts) Assert.Contains($"<h2>{title}</h2>", WebUtility.HtmlDecode(dom));
        string shot = Path.Combine(runs.Dir, "both.png");
        Chromium($"--screenshot={shot}", "--window-size=1200,3000", "--hide-scrollbars", new Uri(output).AbsoluteUri);
        var (width, height, colours, inked, blue) = Pixels(shot);
        Assert.Equal((1200, 3000), (width, height));
        Assert.True(colours > 400, $"the screenshot has {colours} distinct colours: a blank or unstyled page");
        Assert.True(inked > width * height / 100, $"only {inked} of {width * height} pixels are not white");
        Assert.True(blue > 100, $"only {blue} pixels of the charts' first series colour (ScottPlot's #1f77b4): no chart drawn");
    }

    [Fact]
    public void BadInputIsOneLineNamingTheFileAndLine()
    {
        string run = Path.Combine(runs.Dir, "broken-run");
        Directory.CreateDirectory(run);
        File.WriteAllLines(Path.Combine(run, "metrics.jsonl"), ["{\"step\": 1, \"loss\": 2.5}", "{\"step\": 2, \"loss\": \"NaN\"}", "", "{\"step\": 3, \"loss\": 2."]);
        AssertOneLine(["report", run], $"{Path.Combine(run, "metrics.jsonl")} line 4: not valid JSON");
        Assert.False(File.Exists(Path.Combine(run, "report.html")));

        File.WriteAllLines(Path.Combine(run, "metrics.jsonl"), ["{\"step\": 1, \"loss\": 2.5}", "[1, 2]"]);
        AssertOneLine(["report", run], $"{Path.Combine(run, "metrics.jsonl")} line 2: expected a JSON object");

        string missing = Path.Combine(runs.Dir, "no-such-run");
        AssertOneLine(["report", runs.Sft, missing, "--out", Path.Combine(runs.Dir, "x.html")], $"{missing}: no such run folder");
        AssertOneLine(["report", runs.Dir], $"{Path.Combine(runs.Dir, "metrics.jsonl")}: not found");
        AssertOneLine(["report", runs.Sft, runs.Rl], "--out: give the report's file when overlaying 2 runs");
    }

    private static void AssertOneLine(string[] args, string expected)
    {
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("error: " + expected, line);
    }

    /// <summary>Runs headless Chromium (as root it needs --no-sandbox) with a profile of its own and returns its standard output.</summary>
    private string Chromium(params string[] args)
    {
        var start = new ProcessStartInfo("chromium") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "--headless", "--no-sandbox", "--disable-gpu", $"--user-data-dir={Path.Combine(runs.Dir, "chromium-profile")}" }.Concat(args))
            start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException("chromium is not on PATH: run tools/setup.sh", e); }
        using (process)
        {
            Task<string> stdout = process.StandardOutput.ReadToEndAsync(), stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(120_000)) { process.Kill(entireProcessTree: true); throw new TimeoutException("chromium ran over 120 s"); }
            Assert.True(process.ExitCode == 0, $"chromium exit {process.ExitCode}: {stderr.Result}");
            return stdout.Result;
        }
    }

    /// <summary>
    /// Decodes an 8-bit, non-interlaced RGB or RGBA PNG (what Chromium's screenshots are): its size, its number of distinct
    /// colours, how many pixels are not white, and how many are near ScottPlot's first series colour #1f77b4.
    /// </summary>
    private static (int Width, int Height, int Colours, int Inked, int Blue) Pixels(string path)
    {
        byte[] png = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }, png[..8]);
        int width = 0, height = 0, channels = 0;
        var compressed = new MemoryStream();
        for (int at = 8; at < png.Length;)
        {
            int length = BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(at));
            string type = Encoding.ASCII.GetString(png, at + 4, 4);
            ReadOnlySpan<byte> data = png.AsSpan(at + 8, length);
            if (type == "IHDR")
            {
                (width, height) = (BinaryPrimitives.ReadInt32BigEndian(data), BinaryPrimitives.ReadInt32BigEndian(data[4..]));
                Assert.Equal(8, data[8]);                                            // bit depth
                Assert.Equal(0, data[12]);                                           // not interlaced
                channels = data[9] switch { 2 => 3, 6 => 4, var t => throw new InvalidDataException($"PNG colour type {t}") };
            }
            else if (type == "IDAT") compressed.Write(data);
            at += 12 + length;
        }
        compressed.Position = 0;
        var raw = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionMode.Decompress)) zlib.CopyTo(raw);
        byte[] bytes = raw.ToArray();
        int stride = width * channels;
        Assert.Equal(height * (stride + 1), bytes.Length);

        var colours = new HashSet<int>();
        int inked = 0, blue = 0;
        byte[] previous = new byte[stride], current = new byte[stride];
        for (int y = 0; y < height; y++)
        {
            int filter = bytes[y * (stride + 1)];
            ReadOnlySpan<byte> line = bytes.AsSpan(y * (stride + 1) + 1, stride);
            for (int x = 0; x < stride; x++)
            {
                int a = x >= channels ? current[x - channels] : 0, b = previous[x], c = x >= channels ? previous[x - channels] : 0;
                int predicted = filter switch
                {
                    0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2,
                    4 => Math.Abs(b - c) <= Math.Abs(a - c) && Math.Abs(b - c) <= Math.Abs(a + b - 2 * c) ? a : Math.Abs(a - c) <= Math.Abs(a + b - 2 * c) ? b : c,
                    _ => throw new InvalidDataException($"PNG filter {filter}"),
                };
                current[x] = (byte)(line[x] + predicted);
            }
            for (int x = 0; x < stride; x += channels)
            {
                byte r = current[x], g = current[x + 1], bl = current[x + 2];
                colours.Add(r << 16 | g << 8 | bl);
                if (r < 250 || g < 250 || bl < 250) inked++;
                if (Math.Abs(r - 0x1f) + Math.Abs(g - 0x77) + Math.Abs(bl - 0xb4) < 24) blue++;
            }
            (previous, current) = (current, previous);
        }
        return (width, height, colours.Count, inked, blue);
    }
}
