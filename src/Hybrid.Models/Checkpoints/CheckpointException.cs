// A checkpoint folder is malformed or does not match its config.json; the message names the file and the tensor or field.

namespace Hybrid.Models.Checkpoints;

/// <summary>
/// Raised by <see cref="HfCheckpoint"/> for a missing, unexpected or mis-shaped tensor, a bad index, or an unusable folder.
/// The message always names the file (and the tensor or field) and, where one exists, the fix.
/// </summary>
public sealed class CheckpointException(string message) : Exception(message);
