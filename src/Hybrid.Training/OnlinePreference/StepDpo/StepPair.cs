// One Step-DPO preference: question + the shared first k−1 steps as the prompt, a correct vs a wrong k-th step as the pair.

namespace Hybrid.Training.OnlinePreference.StepDpo;

/// <summary>
/// Step-DPO's training unit (Lai et al. 2024, "Step-DPO: Step-wise Preference Optimization for Long-chain Reasoning of
/// LLMs", arXiv 2406.18629): the prompt is <c>x; s₁ … s_{k−1}</c> (the question and the steps both solutions share), the
/// chosen answer <c>s_win</c> is a correct k-th step and the rejected one <c>s_lose</c> the first wrong step. The shared
/// prefix is part of the prompt, so the loss
/// <c>−log σ(β log π_θ(s_win|x; s_&lt;k)/π_ref(s_win|x; s_&lt;k) − β log π_θ(s_lose|x; s_&lt;k)/π_ref(s_lose|x; s_&lt;k))</c>
/// never counts its tokens.
/// </summary>
public sealed record StepPair
{
    public StepPair(string question, IReadOnlyList<string> sharedSteps, string chosenStep, string rejectedStep)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(sharedSteps);
        if (string.IsNullOrEmpty(chosenStep)) throw new ArgumentException("StepPair.ChosenStep is empty: s_win must be a step's text", nameof(chosenStep));
        if (string.IsNullOrEmpty(rejectedStep)) throw new ArgumentException("StepPair.RejectedStep is empty: s_lose must be a step's text", nameof(rejectedStep));
        if (chosenStep == rejectedStep)
            throw new ArgumentException($"StepPair: chosen and rejected steps are the same text '{chosenStep}'; a preference needs two different steps", nameof(rejectedStep));
        Question = question;
        SharedSteps = sharedSteps.ToArray();
        ChosenStep = chosenStep;
        RejectedStep = rejectedStep;
    }

    /// <summary>x.</summary>
    public string Question { get; }

    /// <summary>s₁ … s_{k−1}, identical in both solutions (may be empty: k = 1).</summary>
    public IReadOnlyList<string> SharedSteps { get; }

    /// <summary>s_win: a correct k-th step.</summary>
    public string ChosenStep { get; }

    /// <summary>s_lose: the first wrong step.</summary>
    public string RejectedStep { get; }

    /// <summary>k, the 1-based index of the preferred step.</summary>
    public int StepIndex => SharedSteps.Count + 1;

    /// <summary>The prompt the pair is conditioned on: x + s₁ … s_{k−1}.</summary>
    public string Prompt => Question + string.Concat(SharedSteps);

    /// <summary>
    /// Step localisation: the pair at the first step where <paramref name="wrong"/> departs from <paramref name="correct"/>
    /// (same question; steps before it identical). Null when <paramref name="wrong"/> never departs (it is a prefix of, or
    /// equal to, the correct solution).
    /// </summary>
    public static StepPair? FirstDivergence(StepSolution correct, StepSolution wrong)
    {
        ArgumentNullException.ThrowIfNull(correct);
        ArgumentNullException.ThrowIfNull(wrong);
        if (correct.Question != wrong.Question)
            throw new ArgumentException($"the solutions answer different questions ('{correct.Question}' vs '{wrong.Question}')", nameof(wrong));
        int k = 0;
        while (k < correct.Steps.Count && k < wrong.Steps.Count && correct.Steps[k] == wrong.Steps[k]) k++;
        if (k == wrong.Steps.Count || k == correct.Steps.Count) return null;
        return new StepPair(correct.Question, correct.Steps.Take(k).ToArray(), correct.Steps[k], wrong.Steps[k]);
    }
}
