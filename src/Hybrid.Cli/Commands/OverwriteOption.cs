// The --overwrite option of every training command (sft, dpo, reward, rl, online-dpo): see Hybrid.Training.Output.RunFolder.

namespace Hybrid.Cli.Commands;

internal static class OverwriteOption
{
    /// <summary>A <c>--overwrite</c> switch; <paramref name="canResume"/>: the command also has --resume-from.</summary>
    public static Option<bool> Create(bool canResume) => new("--overwrite")
    {
        Description = "Replace the contents of a non-empty --out folder (refused otherwise" + (canResume ? ", unless resuming)" : ")"),
    };
}
