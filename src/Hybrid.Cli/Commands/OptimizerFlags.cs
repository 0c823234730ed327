// The AdamW and warm-up options every training command shares (sft, dpo, reward, rl), read into OptimizerSettings.
using Hybrid.Training.Loop;

namespace Hybrid.Cli.Commands;

internal sealed class OptimizerFlags(OptimizerSettings defaults)
{
    private readonly Option<double> _warmup = new("--warmup-ratio") { Description = "Fraction of the run of linear warm-up", DefaultValueFactory = _ => defaults.WarmupRatio };
    private readonly Option<double> _weightDecay = new("--weight-decay") { Description = "AdamW decoupled weight decay", DefaultValueFactory = _ => defaults.WeightDecay };
    private readonly Option<double> _beta1 = new("--adam-beta1") { Description = "AdamW β₁", DefaultValueFactory = _ => defaults.AdamBeta1 };
    private readonly Option<double> _beta2 = new("--adam-beta2") { Description = "AdamW β₂", DefaultValueFactory = _ => defaults.AdamBeta2 };
    private readonly Option<double> _epsilon = new("--adam-epsilon") { Description = "AdamW ε", DefaultValueFactory = _ => defaults.AdamEpsilon };

    public Option[] All => [_warmup, _weightDecay, _beta1, _beta2, _epsilon];

    public OptimizerSettings Read(ParseResult parse) => new()
    {
        WarmupRatio = parse.GetValue(_warmup), WeightDecay = parse.GetValue(_weightDecay),
        AdamBeta1 = parse.GetValue(_beta1), AdamBeta2 = parse.GetValue(_beta2), AdamEpsilon = parse.GetValue(_epsilon),
    };
}
