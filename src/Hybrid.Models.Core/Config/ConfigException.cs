// A model configuration (config.json) is malformed or asks for something Hybrid does not support; names file and field.

namespace Hybrid.Models.Config;

/// <summary>The message names the file, the field, the value found and what would be accepted.</summary>
public sealed class ConfigException(string message) : Exception(message);
