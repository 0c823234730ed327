// Splits a step-marked completion into its reasoning steps, keeping each step's character span.

namespace Hybrid.Algorithms.Rewards.Process;

/// <summary>One reasoning step: its position in the list, its span [Start, End) in the completion's characters, and its text.</summary>
public sealed record StepSegment(int Index, int Start, int End, string Text);

/// <summary>
/// Steps are the pieces between occurrences of <see cref="Marker"/> (default "\n", one step per line). Blank pieces are
/// skipped, so "a\n\nb\n" has two steps. Spans index the original text so the trainer can map a step's end to its token.
/// </summary>
public sealed class StepSplitter(string marker = "\n")
{
    /// <summary>The step separator.</summary>
    public string Marker { get; } = string.IsNullOrEmpty(marker)
        ? throw new ArgumentException("StepSplitter.marker is empty; use \"\\n\" (one step per line) or a marker such as \"Step\"", nameof(marker))
        : marker;

    /// <summary>The non-blank steps of <paramref name="text"/>, in order.</summary>
    public IReadOnlyList<StepSegment> Split(string text)
    {
        var steps = new List<StepSegment>();
        int start = 0;
        while (start <= text.Length)
        {
            int at = text.IndexOf(Marker, start, StringComparison.Ordinal);
            int end = at < 0 ? text.Length : at;
            string piece = text[start..end];
            if (!string.IsNullOrWhiteSpace(piece)) steps.Add(new StepSegment(steps.Count, start, end, piece));
            if (at < 0) break;
            start = at + Marker.Length;
        }
        return steps;
    }
}
