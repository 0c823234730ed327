// --save-total-limit of the commands that write checkpoints (sft, dpo, reward, rl): see Hybrid.Training.Loop.CheckpointRotation.

namespace Hybrid.Cli.Commands;

internal static class SaveTotalLimitOption
{
    public static Option<int?> Create() => new("--save-total-limit")
    {
        Description = "Keep only the newest N checkpoint-* folders, deleting older ones as new ones are written (default: keep all)",
    };
}
