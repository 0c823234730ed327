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
    private readonly bool _canResume;

    /// <param name="defaults">The command's defaults: iterations, prompts per iteration, new tokens, learning rate, seed.</param>
    public OnlineOptions((int Iterations, int Prompts, int MaxNewTokens, double LearningRate, ulong Seed) defaults,
        string model, string data, string evalData, string output, string iterations, string seed, bool canResume = false)
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
        Overwrite = OverwriteOption.Create(canResume);
        _canResume = canResume;
    }

    /// <summary>Adds the shared options around the command's own: inputs first, then <paramref name="own"/>, then sizes and machine.</summary>
    public void AddTo(Command command, IEnumerable<Option> own)
    {
        foreach (Option o in new Option[] { Model, Data, EvalData, Output }.Concat(own)
                     .Concat([Iterations, PromptsPerIteration, MaxNewTokens, LearningRate, Seed, Device, Backend, Bf16, Overwrite]).Concat(Cluster.All)
                     .Append(ConfigOption.Create()))
            command.Options.Add(o);
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
            folder = RunFolder.Claim(outDir, command, parse.GetValue(Overwrite), resumeStep: resume?.Step, canResume: _canResume);
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
