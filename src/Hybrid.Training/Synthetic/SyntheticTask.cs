// The synthetic preference tasks and the ranked item each one produces for a prompt.

namespace Hybrid.Training.Synthetic;

/// <summary>Toy preference oracles with a known right answer, cheap enough for a tiny model to learn in seconds.</summary>
public enum SyntheticTask
{
    /// <summary>"a+b=" → the correct sum beats wrong sums; a wrong answer's reward falls with its distance (10 − |error|).</summary>
    Arithmetic,
    /// <summary>"a+b=" → the bare answer beats the same answer padded with filler words (reward 10 − 2·padding level).</summary>
    Concise,
    /// <summary>"fmt a+b=" → the required format "ans c;" beats answers that break it (reward 10 for the format, less per missing part).</summary>
    Format,
}

/// <summary>
/// One prompt and K distinct responses with their rewards (higher is better; the best response has the unique highest
/// reward). Every text uses only the characters <see cref="SyntheticPreferenceData.Alphabet"/>.
/// </summary>
public sealed record SyntheticItem(string Prompt, IReadOnlyList<string> Responses, IReadOnlyList<double> Rewards);
