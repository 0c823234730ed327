// Preference rows to token ids: separate prompt/response encoding, EOS, TRL truncation, KTO's mismatched pairs, shape conversion.
using Hybrid.Data;
using Hybrid.Training.Data;
using Hybrid.Training.Preference;

namespace Hybrid.Training.Tests.Preference;

public class PreferenceTokenizerTests
{
    private const int Eos = 0;

    private static PreferenceExample Pair(string prompt, string chosen, string rejected, bool chat = false) =>
        new(PreferenceExampleKind.Paired, "row") { Prompt = prompt, Responses = [chosen, rejected], Conversational = chat };

    [Fact]
    public void PromptAndResponsesAreEncodedSeparatelyAndPlainResponsesEndWithEos()
    {
        var tokenizer = new PreferenceTokenizer(TinyTask.Encode, Eos);
        TokenizedPreference row = tokenizer.Tokenize(Pair("12+3=", "15", "16") with { ChosenScore = 10, RejectedScore = 9 });
        Assert.Equal(TinyTask.Encode("12+3="), row.Prompt);
        Assert.Equal([.. TinyTask.Encode("15"), Eos], row.Responses[0]);
        Assert.Equal([.. TinyTask.Encode("16"), Eos], row.Responses[1]);
        Assert.Equal((10.0, 9.0), (row.ChosenScore, row.RejectedScore));
        Assert.Equal(3, row.ScoredTokens(0));
        Assert.Equal(2 * (5 + 3), row.TotalTokens);

        // A conversational response already ends with the chat format's end-of-turn marker: no EOS is added.
        static int[] Codes(string s) => s.Select(c => (int)c).ToArray();
        TokenizedPreference chat = new PreferenceTokenizer(Codes, Eos).Tokenize(Pair("<p>", "4<e>", "5<e>", chat: true));
        Assert.Equal(Codes("4<e>"), chat.Responses[0]);
    }

    [Fact]
    public void TruncationKeepsThePromptsEndAndCutsResponsesAtTheEnd()
    {
        var tokenizer = new PreferenceTokenizer(TinyTask.Encode, Eos, maxLength: 8, maxPromptLength: 4);
        TokenizedPreference row = tokenizer.Tokenize(Pair("abcdefg", "123456", "9"));
        Assert.Equal(TinyTask.Encode("defg"), row.Prompt);                 // keep_end
        Assert.Equal(TinyTask.Encode("1234"), row.Responses[0]);           // 4 + 4 = max_length; EOS cut off
        Assert.Equal([.. TinyTask.Encode("9"), Eos], row.Responses[1]);

        var full = Assert.Throws<DatasetException>(() => new PreferenceTokenizer(TinyTask.Encode, Eos, maxLength: 4, maxPromptLength: 4).Tokenize(Pair("abcd", "1", "2")));
        Assert.Contains("row: the prompt alone has 4 tokens", full.Message);
        var ex = Assert.Throws<DatasetException>(() => new PreferenceTokenizer(TinyTask.Encode, Eos).Tokenize(Pair("", "", "x")));
        Assert.Contains("row: response 0 (chosen) has no token to score", ex.Message);
    }

    [Fact]
    public void KlCompletionsComeFromTheNextRowWithAnotherPrompt()
    {
        var tokenizer = new PreferenceTokenizer(TinyTask.Encode, Eos);
        PreferenceExample Row(string prompt, string completion, bool label) =>
            new(PreferenceExampleKind.Unpaired, prompt + completion) { Prompt = prompt, Responses = [completion], Label = label };
        var rows = new[] { Row("a=", "1", true), Row("a=", "2", false), Row("b=", "3", true), Row("c=", "4", false) }.Select(tokenizer.Tokenize).ToList();
        var withKl = PreferenceTokenizer.AttachKlCompletions(rows);
        string[] kl = withKl.Select(r => new string(r.Responses[1].Where(t => t != Eos).Select(t => TinyTask.Alphabet[t - 1]).ToArray())).ToArray();
        // row 0 skips row 1 (same prompt "a="); row 3 wraps around to row 0
        Assert.Equal(["3", "3", "4", "1"], kl);
        Assert.All(withKl, r => Assert.Equal(2, r.Responses.Count));
        Assert.Equal([true, false, true, false], withKl.Select(r => r.Label!.Value));
    }

    [Fact]
    public void PairsConvertToUnpairedRowsAndToRankingsButNotBack()
    {
        var pairs = new[] { Pair("p", "good", "bad") };
        var unpaired = PreferenceTokenizer.Convert(pairs, PreferenceExampleKind.Unpaired);
        Assert.Equal([("good", true), ("bad", false)], unpaired.Select(r => (r.Completion, r.Label!.Value)));
        var ranked = PreferenceTokenizer.Convert(pairs, PreferenceExampleKind.Ranked);
        Assert.Equal(["good", "bad"], ranked[0].Responses);
        Assert.Equal([1.0, 0.0], ranked[0].Rewards!);
        var ex = Assert.Throws<DatasetException>(() => PreferenceTokenizer.Convert(unpaired, PreferenceExampleKind.Paired));
        Assert.Contains("the data holds unpaired rows, but the loss reads paired rows", ex.Message);
    }
}
