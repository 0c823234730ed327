// tools/bench reasoning: SFT on easy word problems, then GRPO and DAPO on all levels (and an SFT-alone control) — held-out accuracy per level, wall time, phase split, learning curve.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Hybrid.Algorithms.Rewards;
using Hybrid.Data;
using Hybrid.Algorithms.Rl;
using Hybrid.Training.Rl;
using Hybrid.Training.Tasks.WordProblems;

namespace Hybrid.Bench;

/// <summary>The bench's settings; each is a flag of the same name (<c>--sft-steps 900</c>).</summary>
internal sealed record ReasoningBenchOptions
{
    /// <summary>Model recipe given to <c>hybrid init-model --preset</c>.</summary>
    public string Recipe { get; init; } = Path.Combine("models", "small.json");

    /// <summary>Train problems per level (SFT solutions of the easy levels; RL prompts of every level).</summary>
    public int Train { get; init; } = 1500;

    /// <summary>
    /// Worked solutions per SFT level (<c>make-data reasoning --sft-train</c>): few solutions beside many prompts with
    /// answers, the setting where RL has most to add.
    /// </summary>
    public int SftTrain { get; init; } = 300;

    /// <summary>Evaluated problems per level.</summary>
    public int Eval { get; init; } = 200;

    /// <summary>The evaluated set: heldout (reported) or dev (for choosing settings without touching held-out).</summary>
    public string EvalSet { get; init; } = "heldout";

    /// <summary>Levels of the RL prompts and the evaluated set.</summary>
    public string Levels { get; init; } = "1-4";

    /// <summary>Levels whose worked solutions SFT sees (a subset of <see cref="Levels"/>).</summary>
    public string SftLevels { get; init; } = "1-3";

    /// <summary>Largest count in a problem (<c>make-data reasoning --max-value</c>).</summary>
    public int MaxValue { get; init; } = WordProblemGenerator.MaxValue;

    public int SftSteps { get; init; } = 800;

    /// <summary>
    /// The SFT-alone control: when set, a second SFT from the same base on the same solutions for this many steps (same
    /// schedule shape), scored beside the RL runs — does more SFT on the worked solutions reach what RL reached?
    /// </summary>
    public int? SftControlSteps { get; init; }

    public double SftLr { get; init; } = 1e-3;
    public int SftBatch { get; init; } = 16;

    /// <summary>The RL presets run from the SFT model, each scored (GRPO and DAPO unless <c>--presets</c>; <c>--presets none</c> for arms only).</summary>
    public string[] Presets { get; init; } = ["grpo", "dapo"];

    /// <summary>
    /// Further RL runs from the SFT model, each a preset with overrides (<c>--arm "grpo-ds=grpo --filters dynamic_sampling"</c>,
    /// repeatable; the overrides are <c>hybrid rl</c>'s preset flags, checked before anything runs), scored beside the presets:
    /// an ablation in one command. Every other RL setting is the bench's, shared by all runs.
    /// </summary>
    public RlArm[] Arms { get; init; } = [];

    /// <summary>Every RL run, presets first: a preset alone is an arm of its own name without overrides.</summary>
    public IEnumerable<RlArm> RlRuns => Presets.Select(p => new RlArm(p, p, new RlPresetOverrides())).Concat(Arms);

    public int RlIterations { get; init; } = 36;
    public int PromptsPerIteration { get; init; } = 64;
    public int GroupSize { get; init; } = 8;
    public double RlLr { get; init; } = 5e-5;

    /// <summary>The RL reward (<c>rl --reward</c>): solution_match pays only the worked solution's chain; accuracy any right last number.</summary>
    public string Reward { get; init; } = "solution_match";

    /// <summary>Optimizer steps per RL iteration (the iteration's samples split into this many mini-batches).</summary>
    public int MiniBatches { get; init; } = 4;

    /// <summary>
    /// Token budget of rollouts and evaluation. A level-4 solution takes about 40 tokens; DAPO's overlong penalty starts
    /// at budget − ⌈0.2·budget⌉ (51 of 64), so 64 leaves every solution unpunished.
    /// </summary>
    public int MaxNewTokens { get; init; } = 64;

    public int Seed { get; init; } = 1;

    /// <summary>
    /// The trainer's precision for SFT and RL: bf16 (mixed precision; the default, every reported run) or fp32. Which is
    /// faster depends on the CPU (on an Intel Xeon without AMX bf16 steps took about 1.5× fp32's: results-torchsharp.md);
    /// the trained models differ between the two, so compare runs of one precision.
    /// </summary>
    public string Precision { get; init; } = "bf16";

    /// <summary>Where the runs, data, logs and report go (kept: the report links nothing outside it).</summary>
    public string Work { get; init; } = Path.Combine("runs", "reasoning-bench");

    /// <summary>
    /// SFT and RL write a resumable checkpoint every this many steps / iterations (only the newest kept), so that
    /// <see cref="Resume"/> loses little of a long run; null: none (an interrupted training phase starts over).
    /// </summary>
    public int? SftSaveSteps { get; init; }
    public int? RlSaveSteps { get; init; }

    /// <summary>
    /// <c>--resume</c>: continue the bench in <see cref="Work"/> (same settings, checked against its <c>bench.json</c>):
    /// finished phases are skipped, an interrupted SFT or RL run goes on from its newest checkpoint. Default: start afresh.
    /// </summary>
    public bool Resume { get; init; }

    public static ReasoningBenchOptions Parse(string[] args)
    {
        var o = new ReasoningBenchOptions();
        for (int i = 0; i < args.Length; i++)
        {
            string flag = args[i];
            if (!flag.StartsWith("--", StringComparison.Ordinal))
            {
                o = o with { Recipe = flag };
                continue;
            }
            if (flag == "--resume")
            {
                o = o with { Resume = true };
                continue;
            }
            if (i + 1 >= args.Length) throw new ArgumentException($"{flag}: needs a value");
            string v = args[++i];
            int I() => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int x) && x > 0 ? x : throw new ArgumentException($"{flag} {v}: needs a whole number > 0");
            double D() => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) && x > 0 ? x : throw new ArgumentException($"{flag} {v}: needs a number > 0");
            o = flag switch
            {
                "--train" => o with { Train = I() },
                "--sft-train" => o with { SftTrain = I() },
                "--eval" => o with { Eval = I() },
                "--eval-set" => v is "heldout" or "dev" ? o with { EvalSet = v } : throw new ArgumentException($"--eval-set {v}: heldout or dev"),
                "--levels" => o with { Levels = string.Join(",", WordProblemLevels.Parse(flag, v)) },
                "--sft-levels" => o with { SftLevels = string.Join(",", WordProblemLevels.Parse(flag, v)) },
                "--max-value" => o with { MaxValue = I() },
                "--sft-steps" => o with { SftSteps = I() },
                "--sft-control-steps" => o with { SftControlSteps = I() },
                "--presets" => o with { Presets = v == "none" ? [] : ParsePresets(flag, v) },
                "--arm" => o with { Arms = [.. o.Arms, ParseArm(flag, v)] },
                "--sft-lr" => o with { SftLr = D() },
                "--sft-batch" => o with { SftBatch = I() },
                "--rl-iterations" => o with { RlIterations = I() },
                "--prompts-per-iteration" => o with { PromptsPerIteration = I() },
                "--group-size" => o with { GroupSize = I() },
                "--rl-lr" => o with { RlLr = D() },
                "--reward" => o with { Reward = v },
                "--mini-batches" => o with { MiniBatches = I() },
                "--max-new-tokens" => o with { MaxNewTokens = I() },
                "--seed" => o with { Seed = I() },
                "--precision" => v is "bf16" or "fp32" ? o with { Precision = v } : throw new ArgumentException($"--precision {v}: bf16 or fp32"),
                "--work" => o with { Work = v },
                "--sft-save-steps" => o with { SftSaveSteps = I() },
                "--rl-save-steps" => o with { RlSaveSteps = I() },
                _ => throw new ArgumentException($"{flag}: unknown (see the comment at the top of tools/bench/ReasoningBench.cs)"),
            };
        }
        CheckRuns(o);
        return o;
    }

    /// <summary><c>NAME=PRESET [--flag value …]</c>: the run's folder name, the preset, its overrides.</summary>
    private static RlArm ParseArm(string flag, string value)
    {
        string[] tokens = value.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (tokens.Length == 0 || tokens[0].Split('=', 2) is not [string name, string preset] || preset.Length == 0)
            throw new ArgumentException($"{flag} {value}: needs NAME=PRESET followed by hybrid rl's preset flags, e.g. \"grpo-ds=grpo --filters dynamic_sampling\"");
        if (name.Length == 0 || !name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"{flag} {value}: the name '{name}' must be lower-case letters, digits, '-' or '_' (it names the run's folder)");
        if (!RlPresets.Registry.Contains(preset))
            throw new ArgumentException($"{flag} {value}: '{preset}' is not an RL preset ({string.Join(", ", RlPresets.Registry.Names)})");
        try { return new RlArm(name, preset, RlPresetOverrides.Parse(tokens[1..])); }
        catch (ArgumentException e) { throw new ArgumentException($"{flag} {value}: {e.Message}"); }
    }

    /// <summary>
    /// Every run's name is its own and none is a folder the bench writes; every arm's recipe (the preset at the bench's
    /// group size, mini-batches and token budget, with its overrides) passes the checks <c>hybrid rl</c> makes, so a
    /// bad arm fails now rather than after the SFT phase.
    /// </summary>
    private static void CheckRuns(ReasoningBenchOptions o)
    {
        string[] reserved = ["base", "data", "logs", "sft", "sft-control"];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (RlArm run in o.RlRuns)
        {
            string where = run.Name == run.Preset && run.Overrides == new RlPresetOverrides() ? $"--presets {run.Name}" : $"--arm {run.Name}={run.Preset}";
            if (reserved.Contains(run.Name)) throw new ArgumentException($"{where}: '{run.Name}' is a folder of the bench's own; choose another name");
            if (!names.Add(run.Name)) throw new ArgumentException($"{where}: a second run named '{run.Name}'");
            RlPreset named = RlPresets.Registry.Create(run.Preset) with { GroupSize = o.GroupSize, MiniBatches = o.MiniBatches };
            try { run.Overrides.Apply(RlAxes.FitToBudget(named, o.MaxNewTokens), o.MaxNewTokens); }
            catch (ArgumentException e) { throw new ArgumentException($"{where}: {e.Message}"); }
        }
        if (names.Count == 0) throw new ArgumentException("--presets none: no RL run left; give --arm or a preset");
    }

    private static string[] ParsePresets(string flag, string value)
    {
        string[] names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (string name in names)
            if (!RlPresets.Registry.Contains(name))
                throw new ArgumentException($"{flag} {value}: '{name}' is not an RL preset ({string.Join(", ", RlPresets.Registry.Names)})");
        return names.Length > 0 && names.Distinct().Count() == names.Length ? names : throw new ArgumentException($"{flag} {value}: a comma list of distinct RL presets");
    }
}

/// <summary>One RL run of the bench: its folder and column name, the preset, and the preset flags given to <c>hybrid rl</c>.</summary>
internal sealed record RlArm(string Name, string Preset, RlPresetOverrides Overrides)
{
    /// <summary>How the log names it: <c>grpo</c>, or <c>grpo-ds (grpo --filters dynamic_sampling)</c>.</summary>
    public string Describe() => Overrides.ToArguments().Any() || Name != Preset ? $"{Name} ({string.Join(' ', [Preset, .. Overrides.ToArguments()])})" : Name;
}

/// <summary>
/// The user's path, command by command, through the built <c>hybrid</c> CLI (each a child process, timed):
/// <c>make-data reasoning</c> (levels 1–4 unless <c>--levels</c>) → <c>init-model</c> → <c>sft</c> on the easy levels' worked solutions →
/// greedy <c>generate</c> on the evaluated set → (with <c>--sft-control-steps N</c>, the SFT-alone control: a second
/// <c>sft</c> of N steps from the same base on the same solutions, scored too) → <c>rl --preset grpo</c> and
/// <c>rl --preset dapo</c> (or <c>--presets</c>, and each <c>--arm</c>: a preset with overrides), each from the SFT model, on prompts of every level with the
/// <c>solution_match</c> reward (or <c>--reward</c>) → greedy <c>generate</c> after each → <c>report</c> of the RL runs (the
/// learning curve). Accuracy per level is the same <c>accuracy</c> reward on each
/// greedy completion; a gain is given in points with the 95% interval of the paired difference (same problems before
/// and after). The phase split sums the RL runs' <c>timing_s/*</c>.
/// </summary>
internal static class ReasoningBench
{
    private static readonly string[] Phases = ["gen", "reward", "old_log_prob", "ref", "adv", "update_actor", "sync"];

    public static int Run(string[] args, TextWriter log)
    {
        ReasoningBenchOptions o;
        try { o = ReasoningBenchOptions.Parse(args); }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        string root = RepositoryRoot();
        string cli = Path.Combine(root, "src", "Hybrid.Cli", "bin", "Release", "net10.0", "hybrid.dll");
        if (!File.Exists(cli)) { Console.Error.WriteLine($"error: {cli} not found: build first (dotnet build Hybrid.sln -c Release)"); return 2; }
        string work = Path.GetFullPath(o.Work, root);
        string W(string name) => Path.Combine(work, name);
        // The settings the work folder was made with: a resumed bench must be the same bench.
        string settings = System.Text.Json.JsonSerializer.Serialize(o with { Resume = false }, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        if (o.Resume)
        {
            if (!File.Exists(W("bench.json"))) { Console.Error.WriteLine($"error: --resume: {W("bench.json")} not found; nothing to resume in --work {work}"); return 2; }
            if (File.ReadAllText(W("bench.json")) != settings)
            {
                Console.Error.WriteLine($"error: --resume: {W("bench.json")} holds other settings than these; resume with the same flags, or start afresh without --resume");
                return 2;
            }
        }
        else
        {
            if (Directory.Exists(work)) Directory.Delete(work, recursive: true);
            Directory.CreateDirectory(Path.Combine(work, "logs"));
            AtomicFile.WriteText(W("bench.json"), settings);
        }
        int[] levels = WordProblemLevels.Parse("--levels", o.Levels);
        string recipe = Path.GetFullPath(o.Recipe, root);
        var phases = new BenchPhases(work, o.Resume, (logPath, phase, a) => Hybrid(cli, logPath, phase, a, log), log);
        var wall = phases.Wall;
        string[] Saving(int? every) => every is int n ? ["--save-steps", n.ToString(CultureInfo.InvariantCulture), "--save-total-limit", "1"] : [];

        log.WriteLine($"bench reasoning: {Path.GetFileNameWithoutExtension(recipe)}; {o.Train} RL prompts/level (counts ≤ {o.MaxValue}), SFT on {o.SftTrain} worked solutions of each level {o.SftLevels} ({o.SftSteps} steps × {o.SftBatch}, lr {F(o.SftLr)}, {o.Precision}), " +
                      $"RL runs {string.Join(", ", o.RlRuns.Select(r => r.Describe()))} on levels {o.Levels} ({o.RlIterations} iterations × {o.PromptsPerIteration} prompts × G {o.GroupSize}, {o.MiniBatches} mini-batch(es), lr {F(o.RlLr)}, reward {o.Reward}, {o.Precision}, {o.MaxNewTokens} new tokens); " +
                      (o.SftControlSteps is int c ? $"SFT-alone control: {c} SFT steps; " : "") + $"greedy accuracy on {o.Eval} {o.EvalSet} problems/level; {Environment.ProcessorCount} cores; work folder {work}");
        string i(int x) => x.ToString(CultureInfo.InvariantCulture);
        phases.Step("make-data", W("data"), "make-data", "reasoning", "--out", W("data"), "--levels", o.Levels, "--sft-levels", o.SftLevels, "--train", i(o.Train),
             "--sft-train", i(o.SftTrain),
             "--dev", o.EvalSet == "dev" ? i(o.Eval) : "0", "--heldout", o.EvalSet == "heldout" ? i(o.Eval) : "1", "--max-value", i(o.MaxValue), "--seed", i(o.Seed));
        string evalData = W(Path.Combine("data", o.EvalSet + ".jsonl"));
        phases.Step("init-model", W("base"), "init-model", "--preset", recipe, "--out", W("base"), "--seed", i(o.Seed));
        string[] precision = o.Precision == "bf16" ? ["--bf16"] : [];
        void Sft(string name, int steps) => phases.Train(name, W(name), ["sft", "--model", W("base"), "--data", W(Path.Combine("data", "sft.jsonl")), "--out", W(name), "--lr", F(o.SftLr),
             "--max-steps", i(steps), "--batch-size", i(o.SftBatch), "--warmup-ratio", "0.05", .. precision, "--logging-steps", "50", "--seed", i(o.Seed), .. Saving(o.SftSaveSteps)]);
        void Eval(string name, string model) => phases.Step("eval " + name, W($"eval-{name}.jsonl"), "generate", "--model", model, "--data", evalData, "--out", W($"eval-{name}.jsonl"),
                                                     "--temperature", "0", "--max-new-tokens", i(o.MaxNewTokens));
        Sft("sft", o.SftSteps);
        Eval("sft", W("sft"));
        // Columns of the tables: the SFT model, then what is compared with it.
        var runs = new List<(string Key, string Title)> { ("sft", "SFT") };
        if (o.SftControlSteps is int controlSteps)
        {
            Sft("sft-control", controlSteps);
            Eval("sft-control", W("sft-control"));
            runs.Add(("sft-control", $"SFT {controlSteps} steps"));
        }
        string[] rlNames = [.. o.RlRuns.Select(r => r.Name)];
        foreach (RlArm run in o.RlRuns)
        {
            phases.Train(run.Name, W(run.Name), ["rl", "--model", W("sft"), "--data", W(Path.Combine("data", "prompts.jsonl")), "--preset", run.Preset, .. run.Overrides.ToArguments(),
                 "--reward", o.Reward, "--group-size", i(o.GroupSize), "--prompts-per-iteration", i(o.PromptsPerIteration), "--iterations", i(o.RlIterations),
                 "--max-new-tokens", i(o.MaxNewTokens), "--lr", F(o.RlLr), "--mini-batches", i(o.MiniBatches), .. precision, "--seed", i(o.Seed), "--out", W(run.Name), .. Saving(o.RlSaveSteps)]);
            Eval(run.Name, W(Path.Combine(run.Name, "model")));
            runs.Add((run.Name, "+" + run.Name.ToUpperInvariant()));
        }
        phases.Step("report", W("report.html"), ["report", .. rlNames.Select(W), "--out", W("report.html")]);

        var graded = runs.ToDictionary(run => run.Key, run => Grade(W($"eval-{run.Key}.jsonl")));
        int[] sftLevels = WordProblemLevels.Parse("--sft-levels", o.SftLevels);
        foreach (var (title, pick) in new (string, Func<(bool Correct, bool Solved), bool>)[]
        {
            ("Greedy accuracy (the `accuracy` reward: the last number is the answer)", g => g.Correct),
            ("Solved: the greedy completion is the worked solution, every step and the answer", g => g.Solved),
        })
        {
            log.WriteLine();
            log.WriteLine($"{title}, on the {o.EvalSet} problems; gain in points ± the 95% interval of the paired difference:");
            log.WriteLine();
            var compared = runs.Skip(1).ToList();
            log.WriteLine("| level (steps) | problems | " + string.Join(" | ", runs.Select(r => r.Title)) + " | " +
                          string.Join(" | ", compared.Select(r => $"{r.Title.TrimStart('+')} − SFT")) + " |");
            log.WriteLine("| --- | ---: |" + string.Concat(Enumerable.Repeat(" ---: |", runs.Count + compared.Count)));
            foreach (int? level in levels.Cast<int?>().Append(null))
            {
                bool[] Of(string run) => (level is int l ? graded[run][l] : levels.SelectMany(x => graded[run][x])).Select(pick).ToArray();
                bool[] sft = Of("sft");
                string name = level is int lv ? $"{lv} ({lv + 1}{(sftLevels.Contains(lv) ? ", in SFT" : "")})" : "all";
                log.WriteLine($"| {name} | {sft.Length} | " + string.Join(" | ", runs.Select(r => Pct(Of(r.Key)))) + " | " +
                              string.Join(" | ", compared.Select(r => Gain(sft, Of(r.Key)))) + " |");
            }
        }
        log.WriteLine();
        log.WriteLine("Wall time per phase (s): " + string.Join(", ", wall.Select(w => $"{w.Phase} {w.Seconds:F1}")) + $"; total {wall.Sum(w => w.Seconds):F1}");
        foreach (string preset in rlNames)
        {
            var metrics = File.ReadAllLines(W(Path.Combine(preset, "metrics.jsonl"))).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
            double Sum(string key) => metrics.Sum(m => m[key] is JsonNode n ? (double)n : 0);
            double steps = Sum("timing_s/step");
            log.WriteLine($"{preset} phase split ({metrics.Count} iterations, {steps:F1} s): " +
                          string.Join(", ", Phases.Select(p => $"{p} {100 * Sum("timing_s/" + p) / steps:F1}%")));
            double[] reward = metrics.Select(m => m["reward"] is JsonNode n ? (double)n : double.NaN).ToArray();
            int bucket = Math.Max(1, (reward.Length + 5) / 6);
            log.WriteLine($"{preset} sampled train reward, mean per {bucket} iterations: " +
                          string.Join(" → ", reward.Chunk(bucket).Select(c => c.Where(double.IsFinite).ToArray() is { Length: > 0 } kept
                              ? kept.Average().ToString("F3", CultureInfo.InvariantCulture) : "—")));   // an iteration whose every group was filtered out logs no reward
        }
        log.WriteLine($"learning curves (reward ± std, KL, entropy, lengths, phases per iteration): {W("report.html")}");
        return 0;
    }

    /// <summary>Runs <c>hybrid args</c>, its output into <paramref name="logPath"/> and echoed with the phase name; the wall seconds.</summary>
    private static double Hybrid(string cli, string logPath, string phase, string[] args, TextWriter log)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cli);
        foreach (string a in args) start.ArgumentList.Add(a);
        var clock = Stopwatch.StartNew();
        using var file = new StreamWriter(logPath);
        using Process process = Process.Start(start)!;
        var gate = new object();
        void Line(string? line)
        {
            if (line is null) return;
            lock (gate)
            {
                file.WriteLine(line);
                log.WriteLine($"  [{phase}] {line}");
            }
        }
        process.OutputDataReceived += (_, e) => Line(e.Data);
        process.ErrorDataReceived += (_, e) => Line(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"hybrid {string.Join(' ', args)} failed (exit {process.ExitCode}); see {logPath}");
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>
    /// Per level, for each greedy completion of a <c>generate</c> output: whether it gets the <c>accuracy</c> reward, and
    /// whether it is the worked solution itself (every step and the answer line) — a right answer reached by a wrong
    /// chain counts for the first only.
    /// </summary>
    private static Dictionary<int, (bool Correct, bool Solved)[]> Grade(string generated)
    {
        IRewardFunction accuracy = RuleRewards.Registry.Create("accuracy");
        var rows = File.ReadAllLines(generated).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var samples = rows.Select(r => new RewardSample((string)r["prompt"]!, (string)r["completion"]!,
            new Dictionary<string, string> { ["answer"] = (string)r["answer"]! })).ToList();
        double[] scores = accuracy.Score(samples).Scores;
        // generate writes the input's columns back as text, so the level comes back as "1".
        return rows.Select((r, k) => (Level: int.Parse(r["level"]!.ToString(), CultureInfo.InvariantCulture),
                                      Grade: (scores[k] >= 1, ((string)r["completion"]!).Trim() == ((string)r["solution"]!).Trim())))
                   .GroupBy(x => x.Level).ToDictionary(g => g.Key, g => g.Select(x => x.Grade).ToArray());
    }

    private static string Pct(bool[] ok) => (100.0 * ok.Count(x => x) / ok.Length).ToString("F1", CultureInfo.InvariantCulture) + "%";

    /// <summary>Mean of after − before (in points) over the same problems, ± 1.96 standard errors of that mean.</summary>
    private static string Gain(bool[] before, bool[] after)
    {
        double[] d = before.Zip(after, (b, a) => (a ? 100.0 : 0) - (b ? 100.0 : 0)).ToArray();
        double mean = d.Average();
        double se = d.Length > 1 ? Math.Sqrt(d.Sum(x => (x - mean) * (x - mean)) / (d.Length - 1) / d.Length) : 0;
        return string.Create(CultureInfo.InvariantCulture, $"{mean:+0.0;-0.0;0.0} ± {1.96 * se:F1}");
    }

    private static string F(double x) => x.ToString("G4", CultureInfo.InvariantCulture);

    private static string RepositoryRoot()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Hybrid.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("no Hybrid.sln above the current folder: run the bench from the repository");
    }
}
