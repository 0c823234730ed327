// The preference-loss hyperparameter options dpo and online-dpo share (β, ε, γ, α, λ_D, λ_U), read into PreferenceLossOptions.
using Hybrid.Algorithms.Preference;

namespace Hybrid.Cli.Commands;

/// <summary>
/// One declaration for both commands, so <c>--loss simpo</c> means the same loss in <c>dpo</c> and <c>online-dpo</c>: an
/// option left out stays null and the loss keeps its paper default (SimPO β = 2.0, DPO β = 0.1); an option the chosen
/// loss does not read is an error (<see cref="PreferenceLosses.Parse"/>).
/// </summary>
internal sealed class PreferenceLossFlags
{
    private readonly Option<double?> _beta = new("--beta") { Description = "β (DPO family, KTO: 0.1; IPO τ; ORPO λ; SimPO 2.0)" };
    private readonly Option<double?> _labelSmoothing = new("--label-smoothing") { Description = "ε, assumed label-flip rate (cdpo, robust: 0.1)" };
    private readonly Option<double?> _gamma = new("--gamma") { Description = "γ, SimPO's target reward margin (0.5)" };
    private readonly Option<double?> _alpha = new("--alpha") { Description = "α, R-DPO's length weight (0.2) or ODPO's offset scale (1.0)" };
    private readonly Option<double?> _desirable = new("--desirable-weight") { Description = "λ_D, KTO's weight of desirable rows (1.0)" };
    private readonly Option<double?> _undesirable = new("--undesirable-weight") { Description = "λ_U, KTO's weight of undesirable rows (1.0)" };

    public Option[] All => [_beta, _labelSmoothing, _gamma, _alpha, _desirable, _undesirable];

    public PreferenceLossOptions Read(ParseResult parse) => new()
    {
        Beta = parse.GetValue(_beta), LabelSmoothing = parse.GetValue(_labelSmoothing), Gamma = parse.GetValue(_gamma),
        Alpha = parse.GetValue(_alpha), DesirableWeight = parse.GetValue(_desirable), UndesirableWeight = parse.GetValue(_undesirable),
    };
}
