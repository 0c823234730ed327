// A folder from ExportCheckpoint (float32 or int4) chats through GenAI's Model/Tokenizer and its IChatClient, prompting with our ChatML template.
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntimeGenAI;
using HybridChatMessage = Hybrid.Models.Tokenizers.ChatMessage;
using HybridChatTemplate = Hybrid.Models.Tokenizers.ChatTemplate;

namespace Hybrid.Export.Tests;

public sealed class ExportDeploymentTests
{
    [Theory]
    [InlineData(AttentionKernel.Reference, false)]
    [InlineData(AttentionKernel.Optimized, false)]
    [InlineData(AttentionKernel.Optimized, true)]   // int4 (MatMulNBits) weights
    public async Task ExportedCheckpointChatsThroughTheGenAIChatClient(AttentionKernel kernel, bool int4)
    {
        string work = DecoderTestModels.NewFolder("deploy");
        try
        {
            var architecture = new DecoderConfig
            {
                ModelType = "qwen2", VocabSize = 0, HiddenSize = 64, IntermediateSize = 128, NumHiddenLayers = 2,
                NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 16, MaxPositionEmbeddings = 256, TieWordEmbeddings = true,
            };
            var tokenizer = new TokenizerRecipe { CorpusPath = Path.Combine(RepositoryRoot(), "models", "corpus", "hybrid-corpus.txt"), VocabSize = 320 };
            CreatedModel created = ModelFactory.CreateRandom(architecture, tokenizer, Path.Combine(work, "checkpoint"), seed: 3);
            string folder = Path.Combine(work, "export");
            DecoderExporter.ExportCheckpoint(created.Directory, folder, new DecoderExportOptions { Kernel = kernel, Int4 = int4 ? new Int4Options() : null });

            HybridChatMessage[] conversation = [HybridChatMessage.System("Answer briefly."), HybridChatMessage.User("What is 2+2?")];
            string rendered = HybridChatTemplate.Render(conversation, addGenerationPrompt: true).Text;
            int promptTokens;
            using (var model = new Model(folder))
            using (var genaiTokenizer = new Tokenizer(model))
            {
                // GenAI renders the folder's chat_template exactly as our ChatML code does.
                Assert.Equal(rendered, genaiTokenizer.ApplyChatTemplate("", HybridChatTemplate.ToMessagesJson(conversation), "", true));
                using Sequences encoded = genaiTokenizer.Encode(rendered);
                promptTokens = encoded[0].Length;
            }

            const int maxTokens = 5;
            using var client = new OnnxRuntimeGenAIChatClient(folder);
            ChatResponse response = await client.GetResponseAsync(
                [new(ChatRole.System, "Answer briefly."), new(ChatRole.User, "What is 2+2?")],
                new ChatOptions { MaxOutputTokens = maxTokens });

            Assert.NotNull(response.Text);
            Assert.Equal(promptTokens, response.Usage?.InputTokenCount);     // the client's prompt = our template, token for token
            Assert.InRange(response.Usage?.OutputTokenCount ?? -1, 0, maxTokens);
        }
        finally
        {
            DecoderTestModels.DeleteFolder(work);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Hybrid.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no Hybrid.sln above {AppContext.BaseDirectory}");
    }
}
