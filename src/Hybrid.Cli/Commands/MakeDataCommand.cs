// `hybrid make-data`: writes generated task data sets; `make-data reasoning` writes the multi-step arithmetic word problems.
using Hybrid.Training.Tasks.WordProblems;

namespace Hybrid.Cli.Commands;

internal static class MakeDataCommand
{
    public static Command Create()
    {
        var command = new Command("make-data", "Writes generated data sets (nothing is downloaded): reasoning");
        command.Subcommands.Add(Reasoning());
        return command;
    }

    private static Command Reasoning()
    {
        var output = new Option<string>("--out") { Description = "Folder to write sft.jsonl, prompts.jsonl, heldout.jsonl (and dev.jsonl) into", Required = true };
        var levels = new Option<string>("--levels")
        {
            Description = $"Levels of prompts.jsonl, dev.jsonl and heldout.jsonl: a range or list, e.g. 1-4 or 1,3 (level L = L + 1 steps; {WordProblemGenerator.MinLevel}–{WordProblemGenerator.MaxLevel})",
            DefaultValueFactory = _ => "1-4",
        };
        var sftLevels = new Option<string?>("--sft-levels") { Description = "Levels whose worked solutions go into sft.jsonl (default: --levels), e.g. 1-2" };
        var train = new Option<int>("--train") { Description = "Train problems per level in prompts.jsonl; an SFT level also gets as many others as worked solutions in sft.jsonl", DefaultValueFactory = _ => 1000 };
        var sftTrain = new Option<int?>("--sft-train")
        {
            Description = "Worked solutions per SFT level in sft.jsonl (default: --train), drawn apart from the RL prompts: fewer solutions than prompts is the setting where RL has most to add",
        };
        var dev = new Option<int>("--dev") { Description = "Dev problems per level, for choosing settings (0: no dev.jsonl)", DefaultValueFactory = _ => 0 };
        var heldOut = new Option<int>("--heldout") { Description = "Held-out problems per level", DefaultValueFactory = _ => 200 };
        var maxValue = new Option<int>("--max-value")
        {
            Description = $"Largest count at any step ({WordProblemGenerator.MaxStart}–{WordProblemGenerator.MaxMaxValue}): a wider range makes a wrong chain landing on the right answer rarer, and the arithmetic harder",
            DefaultValueFactory = _ => WordProblemGenerator.MaxValue,
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the generator (the splits do not depend on it)", DefaultValueFactory = _ => 1 };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace data files already in --out (refused otherwise)" };
        var command = new Command("reasoning",
            "Multi-step arithmetic word problems (GSM8K-like, verifiable answer): worked solutions for SFT, prompts with answers for RL, held-out prompts; train, dev and held-out disjoint by problem");
        foreach (Option o in new Option[] { output, levels, sftLevels, train, sftTrain, dev, heldOut, maxValue, seed, overwrite })
            command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            int[] chosen = WordProblemLevels.Parse("--levels", parse.GetValue(levels)!);
            int[] sft = parse.GetValue(sftLevels) is string s ? WordProblemLevels.Parse("--sft-levels", s) : chosen;
            if (sft.Except(chosen).ToArray() is [int outside, ..])
                throw new ArgumentException($"--sft-levels {parse.GetValue(sftLevels)}: level {outside} is not in --levels {parse.GetValue(levels)}");
            int trainN = Count("--train", parse.GetValue(train), min: 1), devN = Count("--dev", parse.GetValue(dev), min: 0), heldOutN = Count("--heldout", parse.GetValue(heldOut), min: 1);
            int? sftN = parse.GetValue(sftTrain) is int n ? Count("--sft-train", n, min: 1) : null;
            int max = parse.GetValue(maxValue);
            if (max is < WordProblemGenerator.MaxStart or > WordProblemGenerator.MaxMaxValue)
                throw new ArgumentException($"--max-value {max}: must be in {WordProblemGenerator.MaxStart}–{WordProblemGenerator.MaxMaxValue}");
            string dir = parse.GetValue(output)!;
            if (!parse.GetValue(overwrite) && WordProblemDataset.FileNames.FirstOrDefault(f => File.Exists(Path.Combine(dir, f))) is string existing)
                throw new ArgumentException($"--out {dir}: already holds {existing}; add --overwrite to replace the data files");

            WordProblemDataset data;
            try
            {
                data = WordProblemDataset.Create(chosen, sft, trainN, devN, heldOutN, parse.GetValue(seed), max, sftN);
            }
            catch (WordProblemShortageException e)
            {
                string flag = "--" + WordProblemSets.Name(e.Split);
                int asked = e.Split switch { WordProblemSplit.Train => trainN, WordProblemSplit.Dev => devN, _ => heldOutN };
                throw new ArgumentException($"{flag} {asked}: {e.Message}");
            }
            IReadOnlyList<string> files = data.Write(dir);
            Console.WriteLine($"wrote {data.Sft.Count} worked solutions (levels {string.Join(",", sft)}), {data.Prompts.Count} RL prompts, " +
                              $"{data.Dev.Count} dev and {data.HeldOut.Count} held-out prompts (levels {string.Join(",", chosen)}): {string.Join(", ", files)}");
            return 0;
        }));
        return command;
    }

    private static int Count(string flag, int value, int min) =>
        value >= min ? value : throw new ArgumentException($"{flag} {value}: must be >= {min} (problems per level)");
}
