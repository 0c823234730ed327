// --config run.yaml|run.json: a command's options from a file (flags on the command line win), and run_config.json written back.
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;
using YamlDotNet.RepresentationModel;

namespace Hybrid.Cli.Config;

/// <summary>
/// A config file is one mapping from option names to values: <c>lr: 1e-3</c>, <c>group-size: 8</c> (or <c>group_size</c>,
/// or <c>--group-size</c>), <c>bf16: true</c>, lists for repeatable options (<c>reward-model: [rm1, rm2]</c>). Before the
/// command line is parsed, each key the command line does not give becomes that flag, so the file holds defaults and the
/// command line overrides them. A key the command does not have is an error naming the key, the file and the command.
/// A training run writes every option's resolved value to <c>{--out}/run_config.json</c>, which <c>--config</c> reads back.
/// </summary>
internal static class RunConfigFile
{
    public const string Flag = "--config";
    public const string ResolvedName = "run_config.json";

    /// <summary><c>ParseResult.GetValue&lt;T&gt;(Option&lt;T&gt;)</c>, made generic per option's value type when writing run_config.json.</summary>
    private static readonly System.Reflection.MethodInfo GetValue = typeof(ParseResult).GetMethods().Single(m => m.Name == nameof(ParseResult.GetValue) && m.IsGenericMethod
        && m.GetParameters()[0].ParameterType.IsGenericType && m.GetParameters()[0].ParameterType.GetGenericTypeDefinition() == typeof(Option<>));

    /// <summary>Options not written to run_config.json: the file itself and what belongs to one run only.</summary>
    private static readonly HashSet<string> RunOnly = [Flag, "--overwrite", "--resume-from"];

    /// <summary>The command line with <c>--config FILE</c> replaced by the file's options that the command line does not set.</summary>
    public static string[] Expand(RootCommand root, string[] args)
    {
        int at = Array.FindIndex(args, a => a == Flag || a.StartsWith(Flag + "=", StringComparison.Ordinal));
        if (at < 0) return args;
        Command command = root.Subcommands.FirstOrDefault(c => args.Length > 0 && c.Name == args[0])
            ?? throw new ArgumentException($"{Flag}: give it after a command, e.g. hybrid sft {Flag} run.yaml");
        string path = args[at].Length > Flag.Length ? args[at][(Flag.Length + 1)..]
            : at + 1 < args.Length ? args[at + 1] : throw new ArgumentException($"{Flag}: give the file, e.g. {Flag} run.yaml");
        var rest = args.Take(at).Concat(args.Skip(at + (args[at].Length > Flag.Length ? 1 : 2))).ToList();
        var byName = new Dictionary<string, Option>(StringComparer.Ordinal);
        foreach (Option o in command.Options)
            foreach (string name in o.Aliases.Append(o.Name)) byName[name] = o;
        foreach (var (key, values) in Read(path))
        {
            string flag = "--" + key.TrimStart('-').Replace('_', '-');
            if (!byName.TryGetValue(flag, out Option? option) || option.Name == Flag)
                throw new ArgumentException($"{path}: unknown key '{key}' for `hybrid {command.Name}` (its options: {string.Join(", ", command.Options.Select(o => o.Name.TrimStart('-')).Where(n => "--" + n != Flag).Order())})");
            bool given = option.Aliases.Append(option.Name).Any(n => rest.Any(a => a == n || a.StartsWith(n + "=", StringComparison.Ordinal)));
            if (given) continue;
            foreach (string value in values) rest.AddRange([option.Name, value]);
        }
        return rest.ToArray();
    }

    /// <summary>Writes every option of the parsed command (but the run-only ones) with its resolved value to <paramref name="dir"/>/run_config.json.</summary>
    public static void WriteResolved(ParseResult parse, string dir)
    {
        var json = new JsonObject();
        foreach (Option option in parse.CommandResult.Command.Options.Where(o => !RunOnly.Contains(o.Name)).OrderBy(o => o.Name, StringComparer.Ordinal))
        {
            object? value = GetValue.MakeGenericMethod(option.ValueType).Invoke(parse, [option]);
            if (value is not null) json[option.Name.TrimStart('-')] = ToJson(value);
        }
        Directory.CreateDirectory(dir);
        AtomicFile.WriteText(Path.Combine(dir, ResolvedName), json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static JsonNode? ToJson(object value) => value switch
    {
        string s => File.Exists(s) || Directory.Exists(s) ? Path.GetFullPath(s) : s,   // paths absolute: the file works from any folder
        bool b => b,
        int i => i,
        long l => l,
        ulong u => u,
        double d => d,
        Enum e => e.ToString(),
        FileSystemInfo f => f.FullName,
        System.Collections.IEnumerable list => new JsonArray(list.Cast<object>().Select(ToJson).ToArray()),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>The file's keys with their values as command-line tokens (a list gives one token per item).</summary>
    private static IEnumerable<(string Key, string[] Values)> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{Flag} {path}: no such file");
        string text = File.ReadAllText(path);
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension == ".json")
        {
            JsonNode? root;
            try { root = JsonNode.Parse(text); }
            catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message})"); }
            if (root is not JsonObject map) throw new InvalidDataException($"{path}: the top level must be an object of option names");
            return map.Select(kv => (kv.Key, Tokens(path, kv.Key, kv.Value))).ToList();
        }
        if (extension is not (".yaml" or ".yml")) throw new ArgumentException($"{Flag} {path}: expected a .yaml, .yml or .json file");
        var yaml = new YamlStream();
        try { yaml.Load(new StringReader(text)); }
        catch (YamlDotNet.Core.YamlException e) { throw new InvalidDataException($"{path}:{e.Start.Line}: not valid YAML ({e.Message})"); }
        if (yaml.Documents.Count == 0) return [];
        if (yaml.Documents[0].RootNode is not YamlMappingNode mapping) throw new InvalidDataException($"{path}: the top level must be a mapping of option names");
        return mapping.Children.Select(kv => (((YamlScalarNode)kv.Key).Value ?? "", kv.Value switch
        {
            YamlScalarNode s => [s.Value ?? ""],
            YamlSequenceNode seq => seq.Children.Select(c => c is YamlScalarNode s ? s.Value ?? "" : throw new InvalidDataException($"{path}:{c.Start.Line}: '{kv.Key}' lists must hold plain values")).ToArray(),
            _ => throw new InvalidDataException($"{path}:{kv.Value.Start.Line}: '{kv.Key}' must be a value or a list of values"),
        })).ToList();
    }

    private static string[] Tokens(string path, string key, JsonNode? node) => node switch
    {
        null => throw new InvalidDataException($"{path}: '{key}' is null; give a value or leave the key out"),
        JsonArray list => list.Select(item => Tokens(path, key, item).Single()).ToArray(),
        JsonValue v when v.TryGetValue(out string? s) => [s],
        JsonValue v => [v.ToJsonString()],
        _ => throw new InvalidDataException($"{path}: '{key}' must be a value or a list of values"),
    };
}
