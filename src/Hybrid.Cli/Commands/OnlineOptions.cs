// The options rl and online-dpo share (model, prompts, output, iteration sizes, device, rollout backend), declared and read in one place.
using Hybrid.Cli.Config;
using Hybrid.Cluster;
using Hybrid.Onnx;
using Hybrid.Rollout;
using Hybrid.Tensors;
using Hybrid.Training.Data;
using Hybrid.Training.Online;
using Hybrid.Training.Output;

namespace Hybrid.Cli.Commands;

/// <summary>
/// The online commands' common flags with each command's defaults and wording, and the start every online run makes once
/// its inputs are checked: claim <c>--out</c>, put libtorch on <c>--device</c>, export the policy for the rollout engine.
/// <c>--prompts</c>/<c>--eval-prompts</c> are aliases of <c>--data</c>/<c>--eval-data</c> in both commands, so a command
/// line carries over from one to the other.
/// </summary>
internal sealed class OnlineOptions
{
    public Option<string> Model { get; }
    public Option<string> Data { get; }
    public Option<string?> EvalData { get; }
    public Option<string> Output { get; }
    public Option<int> Iterations { get; }
    public Option<int> PromptsPerIteration { get; }
    public Option<int> MaxNewTokens { get; }
    public Option<double> LearningRate { get; }
    public Option<ulong> Seed { get; }
    public Option<string> Device { get; }
    public Option<RolloutBackend> Backend { get; }
    public Option<bool> Bf16 { get; }
    public Option<bool> Overwrite { get; }
    public ClusterOptions Cluster { get; } = new();

    /// <summary>--save-steps, --save-total-limit and --resume-from; null when the command cannot resume.</summary>
    public Option<int>? SaveSteps { get; }
    public Option<int?>? SaveTotalLimit { get; }
    public Option<string?>? ResumeFrom { get; }
    private bool CanResume => ResumeFrom is not null;

    /// <param name="defaults">The command's defaults: iterations, prompts per iteration, new tokens, learning rate, seed.</param>
    /// <param name="resumeSame">When the command writes resumable checkpoints: the flags a resumed run must repeat (the
    /// --resume-from help names them); null: no checkpoints.</param>
    public OnlineOptions((int Iterations, int Prompts, int MaxNewTokens, double LearningRate, ulong Seed) defaults,
        string model, string data, string evalData, string output, string iterations, string seed, string? resumeSame = null)
    {
        Model = new Option<string>("--model") { Description = model, Required = true };
        Data = new Option<string>("--data", "--prompts") { Description = data, Required = true };
        EvalData = new Option<string?>("--eval-data", "--eval-prompts") { Description = evalData };
        Output = new Option<string>("--out") { Description = output, Required = true };
        Iterations = new Option<int>("--iterations") { Description = iterations, DefaultValueFactory = _ => defaults.Iterations };
        PromptsPerIteration = new Option<int>("--prompts-per-iteration") { Description = "Prompts per iteration", DefaultValueFactory = _ => defaults.Prompts };
        MaxNewTokens = new Option<int>("--max-new-tokens") { Description = "Response token budget", DefaultValueFactory = _ => defaults.MaxNewTokens };
        LearningRate = new Option<double>("--lr") { Description = "AdamW learning rate of the policy", DefaultValueFactory = _ => defaults.LearningRate };
        Seed = new Option<ulong>("--seed") { Description = seed, DefaultValueFactory = _ => defaults.Seed };
        Device = DeviceOption.Create("Where the trainer (libtorch), rollouts and reward models (ONNX Runtime / GenAI) run");
        Backend = RolloutBackendOption.Create();
        Bf16 = Bf16Option.Create();
        Overwrite = OverwriteOption.Create(canResume: resumeSame is not null);
        if (resumeSame is not null)
        {
            SaveSteps = new Option<int>("--save-steps") { Description = "Save a resumable checkpoint-N folder every N iterations (0: the final model only)" };
            SaveTotalLimit = SaveTotalLimitOption.Create();
            ResumeFrom = new Option<string?>("--resume-from") { Description = $"A checkpoint-N folder of an earlier run of this command to continue (same {resumeSame})" };
        }
    }

    /// <summary>--save-steps, --save-total-limit and --resume-from, checked (each error names its flag).</summary>
    public (int SaveSteps, int? SaveTotalLimit, string? ResumeFrom) ReadCheckpointing(ParseResult parse)
    {
        if (!CanResume) return (0, null, null);
        int saveSteps = parse.GetValue(SaveSteps!);
        if (saveSteps < 0) throw new ArgumentException($"--save-steps {saveSteps}: must be ≥ 0 (0: the final model only)");
        if (parse.GetValue(SaveTotalLimit!) is < 1 and int limit) throw new ArgumentException($"--save-total-limit {limit}: must be >= 1 (the newest checkpoints kept; leave it out to keep every one)");
        string? resume = parse.GetValue(ResumeFrom!);
        if (resume is not null && !Directory.Exists(resume)) throw new ArgumentException($"--resume-from {resume}: no such folder");
        return (saveSteps, parse.GetValue(SaveTotalLimit!), resume);
    }

    /// <summary>Adds the shared options around the command's own: inputs first, then <paramref name="own"/>, then sizes and machine.</summary>
    public void AddTo(Command command, IEnumerable<Option> own)
    {
        Option?[] checkpointing = [SaveSteps, SaveTotalLimit, ResumeFrom];
        foreach (Option o in new Option[] { Model, Data, EvalData, Output }.Concat(own).Concat(checkpointing.OfType<Option>())
                     .Concat([Iterations, PromptsPerIteration, MaxNewTokens, LearningRate, Seed, Device, Backend, Bf16, Overwrite]).Concat(Cluster.All)
                     .Append(ConfigOption.Create()))
            command.Options.Add(o);
    }

    /// <summary>
    /// Throws, naming --resume-from, unless the checkpoint <paramref name="dir"/> holds what this run trains: LoRA adapters
    /// for a LoRA run (<paramref name="lora"/>), full weights otherwise.
    /// </summary>
    public static void CheckWeightsFit(string dir, bool lora)
    {
        bool adapter = File.Exists(Path.Combine(dir, "adapter_config.json"));
        if (adapter != lora)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint holds {(adapter ? "LoRA adapters; resume with the run's --lora-r and other LoRA flags" : "full weights; resume without --lora-r")}");
    }

    /// <summary>The training prompts and the held-out ones (null without --eval-data), read and checked.</summary>
    public (IReadOnlyList<PromptRow> Train, IReadOnlyList<PromptRow>? Eval) ReadPrompts(ParseResult parse) =>
        (PromptDatasetReader.Read(parse.GetValue(Data)!), parse.GetValue(EvalData) is string e ? PromptDatasetReader.Read(e) : null);

    /// <summary>--device for ONNX Runtime (rollouts, reward models).</summary>
    public OnnxDevice OnnxDevice(ParseResult parse) => DeviceOption.Parse(parse.GetValue(Device)!);

    /// <summary>
    /// Claims --out for <paramref name="command"/>, makes --device libtorch's default device (the policy, created here, and
    /// every batch go there) and opens the policy with its rollout export in <paramref name="workDir"/> (relative to --out).
    /// Call it after every input is checked: it is the first thing that writes. <paramref name="engineThreads"/>: the rollout
    /// engine's intra-op threads (null: its default, every core); <paramref name="lora"/>: train adapters over a frozen base;
    /// <paramref name="resume"/>: the checkpoint a resumed run continues (the policy opens from it, --out keeps its files).
    /// </summary>
    public OnlineRun Start(ParseResult parse, string command, string workDir, SyncMechanism sync = SyncMechanism.Adapter, int? engineThreads = null,
        Hybrid.Models.Lora.LoraConfig? lora = null, OnlineResume? resume = null)
    {
        string outDir = parse.GetValue(Output)!;
        OnnxDevice onnxDevice = OnnxDevice(parse);
        // The cluster first: an unreachable membership or missing workers fail before --out is claimed or written.
        ClusterDriver? driver = Cluster.Membership(parse) is { } membership ? Cluster.Start(membership, parse) : null;
        RunFolder? folder = null;
        TorchDevice.Scope? onDevice = null;
        try
        {
            folder = RunFolder.Claim(outDir, command, parse.GetValue(Overwrite), resumeStep: resume?.Step, canResume: CanResume);
            onDevice = TorchDevice.Use(TorchDevice.Parse(parse.GetValue(Device)!));
            // A resumed run's policy: --model (its tokenizer, generation config, LoRA base) with the checkpoint's weights or adapters.
            OnlinePolicy policy = OnlinePolicy.Open(parse.GetValue(Model)!, Path.Combine(outDir, workDir), new OnlinePolicyOptions
            {
                Sync = sync, Engine = new RolloutEngineOptions { Device = onnxDevice, Backend = parse.GetValue(Backend), IntraOpThreads = engineThreads }, Lora = lora,
                LoraSeed = parse.GetValue(Seed), ResumeFrom = resume?.Dir, InitialVersion = resume?.PolicyVersion ?? 0,
            });
            if (driver is not null) policy.Rollouts = new ClusterRollouts(driver, policy.Engine);
            return new OnlineRun(outDir, folder, onDevice.Value, policy, driver);
        }
        catch
        {
            onDevice?.Dispose();
            folder?.Dispose();
            driver?.Dispose();
            throw;
        }
    }
}

/// <summary>The checkpoint folder a resumed online run continues, the step its metrics keep, and the engine's policy version there.</summary>
internal sealed record OnlineResume(string Dir, long Step, long PolicyVersion);

/// <summary>An online run's claimed output folder, device scope and policy; disposed in reverse order.</summary>
internal sealed class OnlineRun(string outDir, RunFolder folder, TorchDevice.Scope onDevice, OnlinePolicy policy, ClusterDriver? driver) : IDisposable
{
    public string OutDir { get; } = outDir;
    public OnlinePolicy Policy { get; } = policy;

    /// <summary>With --cluster, the driver (its publish times are in <see cref="ClusterRollouts.PublishSeconds"/>).</summary>
    public ClusterDriver? Driver { get; } = driver;

    public void Dispose()
    {
        Driver?.Dispose();
        Policy.Dispose();
        onDevice.Dispose();
        folder.Dispose();
    }
}
