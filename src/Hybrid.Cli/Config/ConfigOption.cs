// The --config option as help shows it; the file itself is read before parsing (RunConfigFile.Expand).
namespace Hybrid.Cli.Config;

internal static class ConfigOption
{
    public static Option<string?> Create() => new(RunConfigFile.Flag)
    {
        Description = "A .yaml/.json file of this command's options (e.g. lr: 1e-3); flags given here override it; a finished run writes its resolved options to <out>/run_config.json, which this reads back",
    };
}
