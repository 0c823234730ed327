// On a terminal, a training command's output as a progress bar updated in place (Spectre.Console), its other lines above it.
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Hybrid.Training.Metrics;
using Spectre.Console;

namespace Hybrid.Cli.Progress;

/// <summary>
/// The console writer of a training command on a terminal. A trainer announces the run's length (<see cref="Begin"/>),
/// then each logged metrics row (<see cref="Row"/>) moves a bar: <c>sft 12/40 loss 1.2345 tok/s 1845 ━━━━━━━ 30% 0:00:41</c>
/// (step or iteration, loss or reward, KL, tokens/s, percentage, time left). Every other line written to it is printed
/// above the bar. When standard output is not a terminal (CI, a pipe, a file) none of this is used and the commands print
/// their plain lines, one <c>[step n] …</c> line per logged row.
/// <para>
/// Lines reach the terminal through a printer thread, never from the writing thread: a command's
/// <c>Console.WriteLine</c> holds the lock of <see cref="Console.Out"/> (this writer, once set), and .NET on Unix takes
/// that same lock for every write to the terminal — including the ones Spectre's refresh thread makes while it holds its
/// own console lock. Writing through Spectre from inside <c>Console.WriteLine</c> therefore waited on a thread that
/// waited on us: a deadlock (a finished run that never exited, about one run in 30 on a terminal). Now the writer only
/// queues the line.
/// </para>
/// </summary>
internal sealed class LiveProgress : TextWriter, IProgressSink
{
    private readonly IAnsiConsole _console;
    private readonly ProgressContext _context;
    private readonly StringBuilder _line = new();
    private readonly BlockingCollection<string> _pending = new();   // lines for the printer thread
    private readonly List<string> _late = [];                       // lines written after the display closed
    private readonly Lock _lock = new();
    private ProgressTask? _task;
    private string _run = "";
    private long _total;
    private (long Tokens, DateTime At)? _lastTokens;
    private double? _tokensPerSecond;

    private LiveProgress(IAnsiConsole console, ProgressContext context) => (_console, _context) = (console, context);

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>The writer a command hands its trainer as <c>log</c>: the live display while one runs, else <see cref="Console.Out"/>.</summary>
    public static TextWriter Log => s_current ?? Console.Out;

    private static LiveProgress? s_current;

    /// <summary>True when standard output is a terminal that understands cursor movement.</summary>
    public static bool OnTerminal =>
        !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") is { Length: > 0 } term && term != "dumb";

    /// <summary>
    /// Runs <paramref name="body"/> under a live progress display when <see cref="OnTerminal"/>, with <see cref="Log"/> and
    /// <see cref="Console.Out"/> both writing through it; otherwise runs it as it is.
    /// </summary>
    public static int Run(Func<int> body)
    {
        if (!OnTerminal) return body();
        TextWriter stdout = Console.Out;
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(stdout) });
        LiveProgress? shown = null;
        int code = console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var live = shown = new LiveProgress(console, context);
                Task printer = Task.Factory.StartNew(() =>
                {
                    foreach (string line in live._pending.GetConsumingEnumerable()) console.Write(new Text(line + "\n"));
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                s_current = live;
                Console.SetOut(live);
                try
                {
                    return body();
                }
                finally
                {
                    live.Flush();
                    lock (live._lock) live._pending.CompleteAdding();
                    printer.Wait();                          // every queued line is above the bar before it stops
                    Console.SetOut(stdout);
                    s_current = null;
                    if (live._task is { } task) task.StopTask();
                }
            });
        if (shown is not null)
            lock (shown._lock)
                foreach (string line in shown._late) stdout.WriteLine(line);
        return code;
    }

    public void Begin(string run, long totalSteps, long startStep)
    {
        lock (_lock)
        {
            (_run, _total) = (run, totalSteps);
            _task = _context.AddTask(Describe(startStep, null), maxValue: Math.Max(1, totalSteps));
            _task.Value = startStep;
        }
    }

    public void Row(long step, IReadOnlyDictionary<string, double> values)
    {
        lock (_lock)
        {
            if (_task is null)
            {
                PrintLine($"[step {step}] " + string.Join("  ", values.Select(kv => $"{kv.Key} {kv.Value.ToString("G5", CultureInfo.InvariantCulture)}")));
                return;
            }
            if (values.TryGetValue("num_tokens", out double tokens))
            {
                DateTime now = DateTime.UtcNow;
                if (_lastTokens is { } last && now > last.At) _tokensPerSecond = (tokens - last.Tokens) / (now - last.At).TotalSeconds;
                _lastTokens = ((long)tokens, now);
            }
            _task.Value = step;
            _task.Description = Describe(step, values);
        }
    }

    /// <summary>"rl 3/10  reward 0.4200  kl 0.0012  tok/s 812": the run, the position and its key metrics.</summary>
    private string Describe(long step, IReadOnlyDictionary<string, double>? values)
    {
        var text = new StringBuilder($"{_run} {step}/{_total}");
        if (values is not null)
        {
            foreach (var (label, keys) in KeyMetrics)
                if (keys.FirstOrDefault(values.ContainsKey) is string key)
                    text.Append(CultureInfo.InvariantCulture, $"  {label} {values[key]:0.0000}");
            double? speed = values.TryGetValue("perf/throughput", out double t) ? t : _tokensPerSecond;
            if (speed is double s && double.IsFinite(s)) text.Append(CultureInfo.InvariantCulture, $"  tok/s {s:0}");
        }
        return Markup.Escape(text.ToString());
    }

    /// <summary>What the bar shows, each the first of its metric names a row has (the names TRL and verl use).</summary>
    private static readonly (string Label, string[] Keys)[] KeyMetrics =
    [
        ("loss", ["loss"]),
        ("reward", ["reward", "mean_reward", "rewards/margins", "accuracy"]),
        ("kl", ["actor/kl_loss", "actor/reward_kl", "kl", "actor/ppo_kl"]),   // to the reference policy first
    ];

    public override void Write(char value)
    {
        lock (_lock)
        {
            if (value == '\n') FlushLine();
            else if (value != '\r') _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        lock (_lock)
            foreach (char c in value)
                if (c == '\n') FlushLine();
                else if (c != '\r') _line.Append(c);
    }

    public override void WriteLine(string? value)
    {
        lock (_lock)
        {
            _line.Append(value);
            FlushLine();
        }
    }

    public override void Flush()
    {
        lock (_lock)
            if (_line.Length > 0) FlushLine();
    }

    private void FlushLine()
    {
        PrintLine(_line.ToString());
        _line.Clear();
    }

    /// <summary>A plain line above the bar (as text: brackets in it are not markup), printed by the printer thread; call under _lock.</summary>
    private void PrintLine(string line)
    {
        if (_pending.IsAddingCompleted) _late.Add(line);   // a background thread's line after the display closed
        else _pending.Add(line);
    }
}
