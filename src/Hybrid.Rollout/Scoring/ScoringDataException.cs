// The error for a scoring input the user can fix: a bad row, field or file, named with its location.
namespace Hybrid.Rollout.Scoring;

/// <summary>
/// A scoring data file could not be read: the message starts with <c>file:line</c> (JSONL) or <c>file:line (row N)</c>
/// (CSV) and names the field, so the user can go straight to it.
/// </summary>
public sealed class ScoringDataException : Exception
{
    public ScoringDataException(string message) : base(message) { }

    public ScoringDataException(string message, Exception inner) : base(message, inner) { }
}
