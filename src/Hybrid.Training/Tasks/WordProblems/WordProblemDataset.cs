// The reasoning data set as files: worked solutions for SFT, prompts with answers for RL, dev and held-out prompts.
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;

namespace Hybrid.Training.Tasks.WordProblems;

/// <summary>
/// The problems of one data set: <see cref="Sft"/> (train problems of the SFT levels, with their worked solutions),
/// <see cref="Prompts"/> (train problems of every level, for RL), <see cref="Dev"/> and <see cref="HeldOut"/> (prompts of
/// every level from their own splits). No two of them share a problem: an SFT level's RL prompts are other train problems
/// than its worked solutions, so RL is scored on problems the SFT model has not memorised (on the SFT problems themselves
/// it is rewarded for recall, not for solving).
/// </summary>
public sealed record WordProblemDataset(
    IReadOnlyList<WordProblem> Sft, IReadOnlyList<WordProblem> Prompts, IReadOnlyList<WordProblem> Dev, IReadOnlyList<WordProblem> HeldOut)
{
    /// <summary>The files <see cref="Write"/> creates, in order.</summary>
    public static readonly string[] FileNames = ["sft.jsonl", "prompts.jsonl", "dev.jsonl", "heldout.jsonl"];

    /// <summary>
    /// Draws the set: per level of <paramref name="levels"/>, <paramref name="train"/> train problems as RL prompts (and,
    /// when the level is one of <paramref name="sftLevels"/>, <paramref name="sftTrain"/> more — <paramref name="train"/>
    /// unless given — drawn first, as worked solutions), <paramref name="dev"/> dev and <paramref name="heldOut"/> held-out
    /// ones; every count at most <paramref name="maxValue"/>.
    /// </summary>
    public static WordProblemDataset Create(IReadOnlyList<int> levels, IReadOnlyList<int> sftLevels, int train, int dev, int heldOut, int seed,
                                            int maxValue = WordProblemGenerator.MaxValue, int? sftTrain = null)
    {
        foreach (int level in sftLevels)
            if (!levels.Contains(level)) throw new ArgumentException($"SFT level {level} is not one of the levels {string.Join(",", levels)}");
        var sft = new List<WordProblem>();
        var prompts = new List<WordProblem>();
        var devSet = new List<WordProblem>();
        var heldOutSet = new List<WordProblem>();
        foreach (int level in levels)
        {
            int solutions = sftLevels.Contains(level) ? sftTrain ?? train : 0;                  // drawn first, then the RL prompts
            IReadOnlyList<WordProblem> drawn = WordProblemSets.Draw(WordProblemSplit.Train, level, solutions + train, seed, maxValue);
            sft.AddRange(drawn.Take(solutions));
            prompts.AddRange(drawn.Skip(solutions));
            devSet.AddRange(WordProblemSets.Draw(WordProblemSplit.Dev, level, dev, seed, maxValue));
            heldOutSet.AddRange(WordProblemSets.Draw(WordProblemSplit.HeldOut, level, heldOut, seed, maxValue));
        }
        return new WordProblemDataset(sft, prompts, devSet, heldOutSet);
    }

    /// <summary>An SFT row: <c>{"prompt", "completion", "level"}</c>, the completion being the worked solution.</summary>
    public static string SftLine(WordProblem p) =>
        new JsonObject { ["prompt"] = p.Prompt, ["completion"] = p.Solution, ["level"] = p.Level }.ToJsonString(Json);

    /// <summary>A prompt row: <c>{"prompt", "answer", "level", "solution"}</c> (the <c>accuracy</c> rewards read "answer").</summary>
    public static string PromptLine(WordProblem p) =>
        new JsonObject
        {
            ["prompt"] = p.Prompt, ["answer"] = p.Answer.ToString(CultureInfo.InvariantCulture), ["level"] = p.Level, ["solution"] = p.Solution,
        }.ToJsonString(Json);

    /// <summary>
    /// Writes sft.jsonl, prompts.jsonl, dev.jsonl (when there are dev problems) and heldout.jsonl into
    /// <paramref name="dir"/> (created if needed), each through a temporary file renamed into place; returns their paths.
    /// A dev.jsonl of an earlier set is removed when this one has none, so the folder holds one set.
    /// </summary>
    public IReadOnlyList<string> Write(string dir)
    {
        Directory.CreateDirectory(dir);
        var files = new List<(string Name, IEnumerable<string> Lines)>
        {
            ("sft.jsonl", Sft.Select(SftLine)), ("prompts.jsonl", Prompts.Select(PromptLine)),
        };
        if (Dev.Count > 0) files.Add(("dev.jsonl", Dev.Select(PromptLine)));
        files.Add(("heldout.jsonl", HeldOut.Select(PromptLine)));
        var written = new List<string>();
        foreach (var (name, lines) in files)
        {
            string path = Path.Combine(dir, name);
            AtomicFile.WriteText(path, string.Concat(lines.Select(l => l + "\n")));
            written.Add(path);
        }
        if (Dev.Count == 0) File.Delete(Path.Combine(dir, "dev.jsonl"));
        return written;
    }

    /// <summary>Text as written: no \uXXXX for '+' or quotes, so the files read as the problems do.</summary>
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
