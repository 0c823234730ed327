// `hybrid init-model`: creates a random-initialised Hugging Face checkpoint (with a trained tokenizer) from a preset.
using System.Globalization;
using System.Text.Json.Nodes;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;

namespace Hybrid.Cli.Commands;

internal static class InitModelCommand
{
    public static Command Create()
    {
        var preset = new Option<string>("--preset")
        {
            Description = "A recipe name shipped in models/ (tiny, small, base100m) or the path of a recipe .json",
            DefaultValueFactory = _ => "tiny",
        };
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder to write the checkpoint into", Required = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the weight initialisation", DefaultValueFactory = _ => 0 };
        var set = new Option<string[]>("--set")
        {
            Description = "Override a config.json field of the preset, e.g. --set hidden_size=128 --set num_hidden_layers=2",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("init-model", "Creates a random-initialised model folder (config.json, model.safetensors, tokenizer) from a preset");
        command.Options.Add(preset);
        command.Options.Add(output);
        command.Options.Add(seed);
        command.Options.Add(set);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            ModelRecipe recipe = ModelRecipe.Load(ResolvePreset(parse.GetValue(preset)!));
            recipe = WithOverrides(recipe, parse.GetValue(set) ?? []);
            CreatedModel created = ModelFactory.Create(recipe, parse.GetValue(output)!.FullName, parse.GetValue(seed));
            Console.WriteLine($"created {recipe.Name}: {created.ParameterCount:N0} parameters, vocabulary {created.Config.VocabSize} " +
                              $"({created.TokenizerVocabSize} tokenizer ids) in {created.Directory}");
            return 0;
        }));
        return command;
    }

    private static string ResolvePreset(string preset)
    {
        if (File.Exists(preset)) return preset;
        string shipped = Path.Combine(AppContext.BaseDirectory, "models", preset + ".json");
        if (File.Exists(shipped)) return shipped;
        var known = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "models"), "*.json").Select(Path.GetFileNameWithoutExtension);
        throw new ArgumentException($"--preset '{preset}' is neither a file nor a shipped recipe (known: {string.Join(", ", known)})");
    }

    /// <summary>Applies <c>key=value</c> overrides to the recipe's config.json object; values parse as JSON (numbers, true, …) or stay strings.</summary>
    private static ModelRecipe WithOverrides(ModelRecipe recipe, string[] overrides)
    {
        if (overrides.Length == 0) return recipe;
        var config = (JsonObject)recipe.ConfigJson.DeepClone();
        // Known keys: those the preset's config.json has and those a config.json of these models can hold.
        var known = new SortedSet<string>(config.Select(kv => kv.Key), StringComparer.Ordinal);
        foreach (var (k, _) in DecoderConfig.FromJson((JsonObject)config.DeepClone(), "preset").ToJson()) known.Add(k);
        foreach (string item in overrides)
        {
            int eq = item.IndexOf('=');
            if (eq <= 0) throw new ArgumentException($"--set '{item}': expected key=value, e.g. hidden_size=128");
            string key = item[..eq], value = item[(eq + 1)..];
            if (!known.Contains(key))
                throw new ArgumentException($"--set '{item}': unknown config.json key '{key}' (known: {string.Join(", ", known)})");
            config[key] = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || value is "true" or "false" or "null"
                ? JsonNode.Parse(value)
                : JsonValue.Create(value);
        }
        return recipe with { ConfigJson = config };
    }
}
