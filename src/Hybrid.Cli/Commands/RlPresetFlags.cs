// The `hybrid rl` flags that change the chosen preset's hyperparameters (β, clip range, aggregation, filters, overlong
// punishment, truncated IS, entropy bonus): System.CommandLine options read into RlPresetOverrides.
using Hybrid.Algorithms.Rl;

namespace Hybrid.Cli.Commands;

/// <summary>
/// <see cref="RlPresetOverrides"/> as flags, so a recipe can be varied without code: <c>--preset dapo --filters none</c>
/// is DAPO without dynamic sampling, <c>--preset grpo --beta 0</c> is GRPO without the KL term. A flag left out keeps the
/// preset's value; a value the preset refuses is one error line that names the flag.
/// </summary>
internal sealed class RlPresetFlags
{
    private readonly Option<double?> _beta = new("--beta")
    {
        Description = "β of the KL term (default: the preset's: grpo 0.04, dapo 0); 0 removes the KL and the reference model; " +
                      "β > 0 on a KL-free preset adds GRPO's k3 KL to the loss",
    };
    private readonly Option<double?> _epsilon = new("--epsilon") { Description = "ε_low, the lower clip range of the ratio (default: the preset's; ppo_clip 0.2)" };
    private readonly Option<double?> _epsilonHigh = new("--epsilon-high") { Description = "ε_high, the upper clip range (DAPO's clip-higher 0.28; default: the preset's)" };
    private readonly Option<string?> _aggregation = new("--loss-aggregation")
    {
        Description = "How token losses become the batch loss: " + string.Join(", ", LossAggregations.Registry.Names) +
                      " (default: the preset's; grpo seq_mean_token_mean, dapo token_mean)",
    };
    private readonly Option<string[]> _filters = new("--filters")
    {
        Description = "Batch filters in place of the preset's: " + string.Join(", ", GroupFilters.Registry.Names) +
                      " (dynamic_sampling refills the batch with groups whose rewards differ, as DAPO), or none",
        AllowMultipleArgumentsPerToken = true,
    };
    private readonly Option<int?> _overlongCache = new("--overlong-cache")
    {
        Description = "DAPO's soft overlong punishment: the last N tokens of --max-new-tokens cost up to 1 reward, linearly (0 = off; " +
                      "default: the preset's, dapo ⌈0.2 × --max-new-tokens⌉)",
    };
    private readonly Option<double?> _tisCap = new("--tis-cap") { Description = "Truncated importance sampling of the rollout/trainer mismatch: weight min(π_old/π_rollout, C) per token (Yao et al. 2025: 2; default: off)" };
    private readonly Option<double?> _entropy = new("--entropy-coef") { Description = "Entropy bonus c₂: loss −= c₂·H (default: the preset's, 0)" };

    public Option[] All => [_beta, _epsilon, _epsilonHigh, _aggregation, _filters, _overlongCache, _tisCap, _entropy];

    /// <summary>The overrides the user gave (<see cref="RlPresetOverrides.Apply"/> applies and validates them).</summary>
    public RlPresetOverrides Read(ParseResult parse) => new()
    {
        Beta = parse.GetValue(_beta), Epsilon = parse.GetValue(_epsilon), EpsilonHigh = parse.GetValue(_epsilonHigh),
        LossAggregation = parse.GetValue(_aggregation), Filters = parse.GetValue(_filters) is { Length: > 0 } f ? f : null,
        OverlongCache = parse.GetValue(_overlongCache), TisCap = parse.GetValue(_tisCap), EntropyCoef = parse.GetValue(_entropy),
    };
}
