// The options sft, dpo and reward share (one per TrainingArguments field), declared and read in one place.
using Hybrid.Cli.Config;
using Hybrid.Training.Loop;

namespace Hybrid.Cli.Commands;

/// <summary>
/// Declares the command-line options of <see cref="TrainingArguments"/> with the command's own defaults and wording, and
/// turns a parse result into the command's config (<see cref="Apply{T}"/>). A command adds its own options beside these.
/// </summary>
internal sealed class TrainingOptions
{
    private readonly Option<string> _model, _data, _output;
    private readonly Option<string?> _evalData, _resume;
    private readonly Option<double> _lr, _clip;
    private readonly OptimizerFlags _optimizer;
    private readonly LoraFlags _lora = new();
    private readonly Option<int> _epochs, _maxSteps, _batch, _accumulation, _maxLength, _logging, _evalSteps, _saveSteps;
    private readonly Option<ulong> _seed;
    private readonly Option<int?> _saveTotalLimit = SaveTotalLimitOption.Create();
    private readonly Option<bool> _bf16, _overwrite, _loadBest;
    private readonly Option<string> _bestMetric;
    private readonly Option<bool?> _greaterIsBetter;
    private readonly Option<string> _device;

    /// <param name="defaults">The command's config with its defaults (required paths may be empty).</param>
    /// <param name="model">Description of --model.</param>
    /// <param name="data">Description of --data (the row shapes the trainer reads).</param>
    /// <param name="evalData">Description of --eval-data (what held-out rows give).</param>
    /// <param name="output">Description of --out (what the folder holds).</param>
    /// <param name="rows">What one row of a micro-batch is ("Rows", "Pairs or rankings").</param>
    /// <param name="maxLength">Description of --max-length.</param>
    /// <param name="seed">Description of --seed.</param>
    public TrainingOptions(TrainingArguments defaults, string model, string data, string evalData, string output,
        string rows = "Rows", string maxLength = "Longest row in tokens", string seed = "Seed of data order and libtorch's generator")
    {
        _model = new Option<string>("--model") { Description = model, Required = true };
        _data = new Option<string>("--data") { Description = data, Required = true };
        _evalData = new Option<string?>("--eval-data") { Description = evalData };
        _output = new Option<string>("--out") { Description = output, Required = true };
        _lr = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        _epochs = new Option<int>("--epochs") { Description = "Passes over the data", DefaultValueFactory = _ => defaults.Epochs };
        _maxSteps = new Option<int>("--max-steps") { Description = "Optimizer steps (overrides --epochs when > 0)", DefaultValueFactory = _ => defaults.MaxSteps };
        _batch = new Option<int>("--batch-size") { Description = $"{rows} per micro-batch", DefaultValueFactory = _ => defaults.BatchSize };
        _accumulation = new Option<int>("--grad-accum") { Description = "Micro-batches per optimizer step", DefaultValueFactory = _ => defaults.GradientAccumulationSteps };
        _maxLength = new Option<int>("--max-length") { Description = maxLength, DefaultValueFactory = _ => defaults.MaxLength };
        _optimizer = new OptimizerFlags(defaults.Optimizer);
        _clip = new Option<double>("--max-grad-norm") { Description = "Global gradient-norm clipping", DefaultValueFactory = _ => defaults.MaxGradNorm };
        _logging = new Option<int>("--logging-steps") { Description = "Log metrics every N steps", DefaultValueFactory = _ => defaults.LoggingSteps };
        _evalSteps = new Option<int>("--eval-steps") { Description = "Evaluate every N steps (0: at the end only)", DefaultValueFactory = _ => defaults.EvalSteps };
        _saveSteps = new Option<int>("--save-steps") { Description = "Save a resumable checkpoint every N steps (0: final model only)", DefaultValueFactory = _ => defaults.SaveSteps };
        _loadBest = new Option<bool>("--load-best-model-at-end")
        {
            Description = "Keep the best model of the evaluations every --eval-steps (and at the end) by --metric-for-best-model, not the last; needs --eval-data",
        };
        _bestMetric = new Option<string>("--metric-for-best-model") { Description = "The logged evaluation metric that picks the best model", DefaultValueFactory = _ => defaults.MetricForBestModel };
        _greaterIsBetter = new Option<bool?>("--greater-is-better") { Description = "Whether larger values of --metric-for-best-model are better (default: unless its name ends in loss)" };
        _seed = new Option<ulong>("--seed") { Description = seed, DefaultValueFactory = _ => defaults.Seed };
        _resume = new Option<string?>("--resume-from") { Description = "A checkpoint-N folder of an earlier run to continue" };
        _bf16 = Bf16Option.Create();
        _device = DeviceOption.Create("Where training runs (libtorch)");
        _overwrite = OverwriteOption.Create(canResume: true);
    }

    /// <summary>Adds the shared options to <paramref name="command"/>: --model and --data first, the rest after <paramref name="own"/>.</summary>
    public void AddTo(Command command, params Option[] own)
    {
        foreach (Option o in new Option[] { _model, _data, _evalData, _output }.Concat(own)
                     .Concat([_lr, _epochs, _maxSteps, _batch, _accumulation, _maxLength]).Concat(_optimizer.All)
                     .Concat([_clip, _logging, _evalSteps, _loadBest, _bestMetric, _greaterIsBetter, _saveSteps, _saveTotalLimit, _seed, _resume]).Concat(_lora.All)
                     .Concat([_bf16, _device, _overwrite, ConfigOption.Create()]))
            command.Options.Add(o);
    }

    /// <summary>The "done:" line's note of which evaluation's model was kept (--load-best-model-at-end), or nothing.</summary>
    public static string BestNote(BestEvaluation? best) =>
        best is null ? "" : $"; the model saved is step {best.Step}'s, the best {best.Metric} ({best.Value:F4}); the eval figures before are the last step's";

    /// <summary><paramref name="config"/> (the command's own fields set) with every shared field read from <paramref name="parse"/>.</summary>
    public T Apply<T>(ParseResult parse, T config) where T : TrainingArguments
    {
        TrainingArguments shared = config;
        OptimizerSettings optimizer = _optimizer.Read(parse);
        return (T)(shared with
        {
            ModelPath = parse.GetValue(_model)!, TrainData = parse.GetValue(_data)!, EvalData = parse.GetValue(_evalData), OutputDir = parse.GetValue(_output)!,
            LearningRate = parse.GetValue(_lr), Epochs = parse.GetValue(_epochs), MaxSteps = parse.GetValue(_maxSteps),
            BatchSize = parse.GetValue(_batch), GradientAccumulationSteps = parse.GetValue(_accumulation), MaxLength = parse.GetValue(_maxLength),
            WarmupRatio = optimizer.WarmupRatio, WeightDecay = optimizer.WeightDecay,
            AdamBeta1 = optimizer.AdamBeta1, AdamBeta2 = optimizer.AdamBeta2, AdamEpsilon = optimizer.AdamEpsilon, MaxGradNorm = parse.GetValue(_clip),
            LoggingSteps = parse.GetValue(_logging), EvalSteps = parse.GetValue(_evalSteps), SaveSteps = parse.GetValue(_saveSteps), SaveTotalLimit = parse.GetValue(_saveTotalLimit),
            LoadBestModelAtEnd = parse.GetValue(_loadBest), MetricForBestModel = parse.GetValue(_bestMetric)!, GreaterIsBetter = parse.GetValue(_greaterIsBetter),
            Seed = parse.GetValue(_seed), ResumeFrom = parse.GetValue(_resume), Bf16 = parse.GetValue(_bf16), Device = parse.GetValue(_device)!,
            Overwrite = parse.GetValue(_overwrite), Lora = _lora.Read(parse),
        });
    }
}
