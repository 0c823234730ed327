// Copies a checkpoint's tokenizer files into an export folder and makes sure tokenizer_config.json carries a chat template.
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Tokenizers;

namespace Hybrid.Export.Decoder;

/// <summary>The tokenizer part of an export folder, which GenAI's <c>Tokenizer</c> and <c>ApplyChatTemplate</c> read.</summary>
internal static class TokenizerFiles
{
    /// <summary>
    /// Checks the tokenizer of <paramref name="sourceDir"/> before anything is exported: tokenizer.json must be a byte-level
    /// BPE tokenizer Hybrid and GenAI read, and tokenizer_config.json (when present) must load with it — the same checks
    /// training makes, so a broken tokenizer is an error naming the file instead of a copied file that fails later.
    /// </summary>
    public static void Validate(string sourceDir)
    {
        Tokenizer.Check(sourceDir);
    }

    /// <summary>
    /// Copies every file of <see cref="HfCheckpoint.TokenizerFiles"/> present in <paramref name="sourceDir"/> (tokenizer.json
    /// is required). When tokenizer_config.json has no <c>chat_template</c>, Hybrid's ChatML template
    /// (<see cref="ChatTemplate.Jinja"/>) is written into it, so chat clients render prompts as training did.
    /// </summary>
    public static void Copy(string sourceDir, string outputDir)
    {
        string source = Path.GetFullPath(sourceDir);
        if (!File.Exists(Path.Combine(source, "tokenizer.json")))
            throw new FileNotFoundException($"{source}: no tokenizer.json; pass the checkpoint folder (or another folder with the tokenizer files) as tokenizerSourceDir", Path.Combine(source, "tokenizer.json"));
        foreach (string name in HfCheckpoint.TokenizerFiles)
        {
            string from = Path.Combine(source, name);
            if (File.Exists(from)) AtomicFile.Write(Path.Combine(outputDir, name), s => { using var f = File.OpenRead(from); f.CopyTo(s); });
        }

        string configPath = Path.Combine(outputDir, "tokenizer_config.json");
        JsonObject tokenizerConfig = File.Exists(configPath)
            ? JsonNode.Parse(File.ReadAllText(configPath)) as JsonObject ?? throw new InvalidDataException($"{configPath}: not a JSON object")
            : new JsonObject { ["tokenizer_class"] = "GPT2Tokenizer" };
        if (tokenizerConfig["chat_template"] is null)
        {
            tokenizerConfig["chat_template"] = ChatTemplate.Jinja;
            AtomicFile.WriteText(configPath, tokenizerConfig.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
    }
}
