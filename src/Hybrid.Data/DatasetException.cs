// A dataset row is malformed: the message names the file, the line (JSONL) or row (CSV), and the field.

namespace Hybrid.Data;

public sealed class DatasetException(string message) : Exception(message);
