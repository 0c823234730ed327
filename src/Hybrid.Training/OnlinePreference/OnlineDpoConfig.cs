// Settings of online / iterative DPO: iterations, prompts and samples per iteration, labelling, reference, update.

namespace Hybrid.Training.OnlinePreference;

/// <summary>Which model supplies π_ref in each iteration's DPO loss.</summary>
public enum ReferenceChoice
{
    /// <summary>The policy as it was before the first iteration (online DPO / OAIF; TRL's OnlineDPOTrainer).</summary>
    Initial,

    /// <summary>The policy at the start of the iteration, i.e. the previous iterate π_θt (iterative DPO with a moving
    /// reference, as SPIN and self-rewarding LMs do).</summary>
    PreviousIterate,
}

/// <summary>
/// Online / iterative DPO (docs/algorithms.md): each iteration samples G ≥ 2 answers per prompt from the current policy, labels them
/// with a rule or reward model (best = chosen, worst = rejected; ties skipped), and takes DPO steps on the fresh pairs.
/// With <see cref="PromptsPerIteration"/> = one batch and one epoch this is online DPO (Guo et al. 2024, "Direct Language
/// Model Alignment from Online AI Feedback", arXiv 2402.04792); with large iterations and several epochs it is iterative
/// DPO (Xiong et al. 2024, arXiv 2312.11456; Dong et al. 2024, "RLHF Workflow", arXiv 2405.07863). Immutable;
/// <see cref="Validate"/> names the field, the value and the fix.
/// </summary>
public sealed record OnlineDpoConfig : OnlinePreferenceArguments
{
    /// <summary>
    /// TRL OnlineDPOConfig's defaults: 10 iterations, G = 2 answers per prompt (best and worst become the pair),
    /// temperature 0.9 and 64 new tokens; the update's β = 0.1, "sigmoid".
    /// </summary>
    public OnlineDpoConfig()
    {
        Iterations = 10;
        SamplesPerPrompt = 2;
        Sampling = new() { Temperature = 0.9, MaxNewTokens = 64 };
    }

    /// <summary>Prompts sampled per iteration, drawn in a seeded shuffled order that cycles through the prompt set. Default 16.</summary>
    public int PromptsPerIteration { get; init; } = 16;

    /// <summary>π_ref: the initial policy (default) or the previous iterate.</summary>
    public ReferenceChoice Reference { get; init; } = ReferenceChoice.Initial;

    /// <summary>Subtracted from the score of answers that hit the token limit without a stop token (TRL missing_eos_penalty). Default 0 (off).</summary>
    public double MissingEosPenalty { get; init; }

    /// <summary>A prompt gives a pair only when best − worst &gt; this. Default 0: only exact ties are skipped.</summary>
    public double MinScoreGap { get; init; }

    /// <summary>Answers per evaluation prompt when evaluation prompts are given (eval/reward, eval/win_rate). Default 4.</summary>
    public int EvalSamplesPerPrompt { get; init; } = 4;

    /// <summary>
    /// transformers' load_best_model_at_end: the final model is the one with the highest <c>eval/reward</c> of the
    /// evaluations after each iteration (a tie keeps the earlier), kept meanwhile in <c>best-model-{iteration}/</c> of
    /// <see cref="OnlinePreferenceArguments.OutputDir"/>, not the last weights. Needs evaluation prompts and the output folder.
    /// </summary>
    public bool LoadBestModelAtEnd { get; init; }

    public OnlineDpoConfig Validate()
    {
        ValidateShared(2, "must be >= 2: a pair needs a best and a worst answer to the same prompt");
        Require(PromptsPerIteration > 0, nameof(PromptsPerIteration), PromptsPerIteration, "must be > 0");
        Require(!Sampling.IsGreedy, nameof(Sampling), "greedy", "must sample (DoSample, temperature > 0, top-k != 1): greedy answers to one prompt are all equal, so every prompt would tie");
        Require(double.IsFinite(MissingEosPenalty) && MissingEosPenalty >= 0, nameof(MissingEosPenalty), MissingEosPenalty, "must be a finite number >= 0 (0 = off)");
        Require(double.IsFinite(MinScoreGap) && MinScoreGap >= 0, nameof(MinScoreGap), MinScoreGap, "must be a finite number >= 0");
        Require(EvalSamplesPerPrompt > 0, nameof(EvalSamplesPerPrompt), EvalSamplesPerPrompt, "must be > 0");
        Require(!LoadBestModelAtEnd || OutputDir is not null, nameof(LoadBestModelAtEnd), LoadBestModelAtEnd, $"keeps the best model in the run's folder; also set {nameof(OutputDir)}");
        return this;
    }
}
