// The --bf16 option of every training command (sft, dpo, reward, rl, online-dpo).

namespace Hybrid.Cli.Commands;

internal static class Bf16Option
{
    /// <summary>A <c>--bf16</c> switch (default off): the trainer's bf16 mixed precision.</summary>
    public static Option<bool> Create() => new("--bf16")
    {
        Description = "bf16 mixed precision: matmuls and attention in bf16, fp32 master weights, optimizer state, norms and losses",
    };
}
