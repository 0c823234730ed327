// Runs a command body and turns the errors users cause (bad data, config, checkpoint, arguments, files) into one line and
// exit 2, and a diverged run into one line and exit 3.
using System.Text.RegularExpressions;
using Hybrid.Cli.Config;
using Hybrid.Cli.Progress;
using Hybrid.Data;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Tensors.Serialization;
using Hybrid.Training.Stability;

namespace Hybrid.Cli.Commands;

internal static partial class CliErrors
{
    /// <summary>Exit code for input the user can fix (a bad row, field, file, flag or location); unexpected failures keep their stack.</summary>
    public const int InputError = 2;

    /// <summary>Exit code for a run that stopped because training diverged (its final model was not written).</summary>
    public const int TrainingDiverged = 3;

    /// <summary>The training commands, which leave their resolved options in <c>{--out}/run_config.json</c>.</summary>
    private static readonly HashSet<string> WritesRunConfig = ["sft", "dpo", "reward", "rl", "online-dpo"];

    public static int Run(ParseResult parse, Func<int> body)
    {
        try
        {
            bool training = WritesRunConfig.Contains(parse.CommandResult.Command.Name);
            int code = training ? LiveProgress.Run(body) : body();   // a progress bar on a terminal, plain lines elsewhere
            if (code == 0 && training
                && parse.CommandResult.Command.Options.OfType<Option<string>>().FirstOrDefault(o => o.Name == "--out") is { } output
                && parse.GetValue(output) is string dir)
                RunConfigFile.WriteResolved(parse, dir);
            return code;
        }
        catch (Exception ex) when (ex is DatasetException or ConfigException or CheckpointException or SafeTensorsFormatException
                                       or ArgumentException or FileNotFoundException or DirectoryNotFoundException or InvalidDataException)
        {
            Console.Error.WriteLine($"error: {WithFlags(ex.Message, parse)}");
            return InputError;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only location, a full disk, a path through a file: the message names the path; nothing half-written stays.
            Console.Error.WriteLine($"error: {ex.Message.TrimEnd('.')} (check the path, its permissions and the free space)");
            return InputError;
        }
        catch (TrainingDivergedException ex)
        {
            Console.Error.WriteLine($"error: {WithFlags(ex.Message, parse)}");
            return TrainingDiverged;
        }
    }

    /// <summary>Configuration properties whose flag is not their kebab-case name.</summary>
    private static readonly Dictionary<string, string> FlagOf = new(StringComparer.Ordinal)
    {
        ["LearningRate"] = "--lr",
        ["GradientAccumulationSteps"] = "--grad-accum",
        ["IntraOpThreads"] = "--threads",
        ["ModelPath"] = "--model",
        ["OutputDir"] = "--out",
        ["TrainData"] = "--data",
        ["RefModelPath"] = "--ref-model",
        ["QuantizeLmHead"] = "--int4-lm-head",
        ["Symmetric"] = "--int4-symmetric",
        ["AccuracyLevel"] = "--int4-accuracy-level",
        ["AdamBeta1"] = "--adam-beta1",
        ["AdamBeta2"] = "--adam-beta2",
        ["AdamEpsilon"] = "--adam-epsilon",
        ["Marker"] = "--step-marker",
    };

    [GeneratedRegex(@"\b[A-Z]\w*(?:Config|Options)(?:\.Optimizer|\.Update)?\.(?<field>[A-Z]\w*)(?<eq> = )?")]
    private static partial Regex ConfigField();

    [GeneratedRegex(@"(?<=[a-z0-9])(?=[A-Z])")]
    private static partial Regex WordBoundary();

    /// <summary>
    /// Library errors name configuration properties ("SftConfig.LearningRate = 5: …"); on the command line the user
    /// typed a flag, so each property the running command has a flag for is written as that flag ("--lr 5: …").
    /// </summary>
    internal static string WithFlags(string message, ParseResult parse)
    {
        var flags = parse.CommandResult.Command.Options.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        return ConfigField().Replace(message, m =>
        {
            string field = m.Groups["field"].Value;
            string flag = FlagOf.TryGetValue(field, out string? f) ? f : "--" + WordBoundary().Replace(field, "-").ToLowerInvariant();
            return flags.Contains(flag) ? flag + (m.Groups["eq"].Success ? " " : "") : m.Value;
        });
    }
}
