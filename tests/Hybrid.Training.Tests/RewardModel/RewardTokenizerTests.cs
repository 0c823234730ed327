// A reward model scores each whole prompt + response text, as the scoring path builds and truncates it.
using Hybrid.Models.Tokenizers;
using Hybrid.Training.Preference;
using Hybrid.Training.RewardModel;

namespace Hybrid.Training.Tests.RewardModel;

public class RewardTokenizerTests
{
    private static int[] Codes(string s) => s.Select(c => (int)c).ToArray();

    [Fact]
    public void PlainRowsAreEncodedWholeWithoutEosAndLongOnesKeepTheirEnd()
    {
        var pair = new PreferenceExample(PreferenceExampleKind.Paired, "r") { Prompt = "2+2=", Responses = ["4", "five"] };
        TokenizedPreference row = new RewardTokenizer(Codes).Tokenize(pair);
        Assert.Empty(row.Prompt);
        Assert.Equal([Codes("2+2=4"), Codes("2+2=five")], row.Responses);
        Assert.Equal([Codes("=4"), Codes("ve")], new RewardTokenizer(Codes, maxLength: 2).Tokenize(pair).Responses);
    }

    [Fact]
    public void ConversationalRowsAreTheWholeChatMlRendering()
    {
        var chat = new PreferenceExample(PreferenceExampleKind.Paired, "c")
        {
            Prompt = ChatTemplate.Render([ChatMessage.User("hi")], addGenerationPrompt: true).Text, Responses = ["yo<|im_end|>", "bye<|im_end|>"], Conversational = true,
        };
        Assert.Equal(ChatTemplate.Render([ChatMessage.User("hi"), ChatMessage.Assistant("yo")]).Text, RewardTokenizer.Text(chat, 0));
        Assert.EndsWith("bye<|im_end|>\n", RewardTokenizer.Text(chat, 1));
    }
}
