// The LoRA options of the training commands (--lora-r, --lora-alpha, --lora-dropout, --lora-target-modules, --use-rslora, --lora-bf16-base).
using Hybrid.Models.Config;
using Hybrid.Models.Lora;

namespace Hybrid.Cli.Commands;

/// <summary>LoRA is on when <c>--lora-r</c> is given; the other flags refine it (defaults are PEFT's, see <see cref="LoraConfig"/>).</summary>
internal sealed class LoraFlags
{
    private static readonly LoraConfig Defaults = new();

    private readonly Option<int?> _rank = new("--lora-r") { Description = "Train a LoRA adapter of this rank instead of every weight (the output is a PEFT adapter folder)" };
    private readonly Option<double?> _alpha = new("--lora-alpha") { Description = $"LoRA α: the update is scaled by α / r (default {Defaults.Alpha}, PEFT's)" };
    private readonly Option<double?> _dropout = new("--lora-dropout") { Description = "Dropout on the adapters' input while training (default 0)" };
    private readonly Option<string[]> _targets = new("--lora-target-modules")
    {
        Description = $"Layers to adapt: {string.Join(" ", LoraConfig.DecoderProjections)}, or {LoraConfig.AllLinear} (default: {string.Join(" ", Defaults.TargetModules)})",
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<bool> _rsLora = new("--use-rslora") { Description = "rsLoRA: scale by α / √r instead of α / r" };
    private readonly Option<bool> _bf16Base = new("--lora-bf16-base") { Description = "Keep the frozen base's projection weights in bf16 (half their memory; the adapters stay float32)" };

    public Option[] All => [_rank, _alpha, _dropout, _targets, _rsLora, _bf16Base];

    /// <summary>The adapter settings, or null without --lora-r; errors name the flag.</summary>
    public LoraConfig? Read(ParseResult parse)
    {
        if (parse.GetValue(_rank) is not int rank)
        {
            // Set to something (a resolved run_config.json of a full run lists them unset: null, false, empty).
            string? stray = parse.GetValue(_alpha) is not null ? _alpha.Name : parse.GetValue(_dropout) is not null ? _dropout.Name
                : parse.GetValue(_targets) is { Length: > 0 } ? _targets.Name : parse.GetValue(_rsLora) ? _rsLora.Name : parse.GetValue(_bf16Base) ? _bf16Base.Name : null;
            if (stray is not null) throw new ArgumentException($"{stray} configures LoRA: add --lora-r R");
            return null;
        }
        var config = Defaults with
        {
            Rank = rank,
            Alpha = parse.GetValue(_alpha) ?? Defaults.Alpha,
            Dropout = parse.GetValue(_dropout) ?? Defaults.Dropout,
            TargetModules = parse.GetValue(_targets) is { Length: > 0 } t ? t.SelectMany(s => s.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray() : Defaults.TargetModules,
            UseRsLora = parse.GetValue(_rsLora),
            Bf16Base = parse.GetValue(_bf16Base),
        };
        try
        {
            return config.Validate();
        }
        catch (ConfigException e)
        {
            throw new ArgumentException(e.Message.Replace("LoraConfig.Rank", "--lora-r").Replace("LoraConfig.Alpha", "--lora-alpha")
                .Replace("LoraConfig.Dropout", "--lora-dropout").Replace("LoraConfig.TargetModules", "--lora-target-modules"));
        }
    }
}
