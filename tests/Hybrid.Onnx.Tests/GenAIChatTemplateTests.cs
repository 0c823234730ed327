// ONNX Runtime GenAI's own ApplyChatTemplate, on a model folder it loaded, renders exactly what Hybrid's ChatML code renders.
using Hybrid.Models.Tokenizers;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Onnx.Tests;

public sealed class GenAIChatTemplateTests(TinyDecoderFolder tiny) : IClassFixture<TinyDecoderFolder>
{
    public static TheoryData<int, bool> Cases => new()
    {
        { 0, false }, { 0, true }, { 1, false }, { 1, true }, { 2, true },
    };

    private static readonly ChatMessage[][] Conversations =
    [
        [ChatMessage.User("What is 2+2?")],
        [ChatMessage.System("Answer briefly."), ChatMessage.User("2+2?"), ChatMessage.Assistant("4"), ChatMessage.User("And 3+3?")],
        [ChatMessage.User("Quote: \"a\\b\" — and a\nnew line, émoji 🙂"), ChatMessage.Assistant("{ok}")],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void GenAITokenizerRendersTheFoldersChatTemplateLikeOurCode(int conversation, bool addGenerationPrompt)
    {
        ChatMessage[] messages = Conversations[conversation];
        string expected = ChatTemplate.Render(messages, addGenerationPrompt).Text;
        using var model = new Model(tiny.Path);
        using var tokenizer = new Microsoft.ML.OnnxRuntimeGenAI.Tokenizer(model);
        string json = ChatTemplate.ToMessagesJson(messages);
        // An empty template string makes GenAI use the chat_template of the folder's tokenizer_config.json.
        Assert.Equal(expected, tokenizer.ApplyChatTemplate("", json, "", addGenerationPrompt));
        Assert.Equal(expected, tokenizer.ApplyChatTemplate(ChatTemplate.Jinja, json, "", addGenerationPrompt));
    }
}
