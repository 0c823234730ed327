// `hybrid chat`: talk to an exported model (or a checkpoint, exported on the fly) through GenAI's IChatClient, streaming.
using Hybrid.Cli.Chat;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout;
using Microsoft.Extensions.AI;
using Microsoft.ML.OnnxRuntimeGenAI;
using AiChatMessage = Microsoft.Extensions.AI.ChatMessage;
using ChatMessage = Hybrid.Models.Tokenizers.ChatMessage;
using Tokenizer = Hybrid.Models.Tokenizers.Tokenizer;

namespace Hybrid.Cli.Commands;

internal static class ChatCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "An exported folder (genai_config.json, model.onnx) or a Hugging Face checkpoint (exported to a temporary folder first)", Required = true };
        var system = new Option<string?>("--system") { Description = "System prompt, kept for the whole conversation (and after /reset)" };
        var maxNew = new Option<int>("--max-new-tokens") { Description = "Most tokens per reply (kept free in the context)", DefaultValueFactory = _ => 256 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature (0: greedy)", DefaultValueFactory = _ => 0.7 };
        var topK = new Option<int>("--top-k") { Description = "Top-k (0: off)", DefaultValueFactory = _ => 0 };
        var topP = new Option<double>("--top-p") { Description = "Top-p (1: off)", DefaultValueFactory = _ => 0.9 };
        var seed = new Option<long?>("--seed") { Description = "Seed of the sampling (default: unseeded)" };
        var maxContext = new Option<int?>("--max-context") { Description = "Tokens of conversation kept, reply included (default: the model's context_length); oldest turns are dropped first" };
        var command = new Command("chat", "Chat with an exported model (streaming; /reset clears the conversation, /exit quits)");
        foreach (Option o in new Option[] { model, system, maxNew, temperature, topK, topP, seed, maxContext })
            command.Options.Add(o);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            double t = parse.GetValue(temperature);
            if (!(t >= 0) || !double.IsFinite(t)) throw new ArgumentException($"--temperature {t}: must be >= 0 (0: greedy)");
            int reserve = parse.GetValue(maxNew);
            if (reserve < 1) throw new ArgumentException($"--max-new-tokens {reserve}: must be >= 1");
            double p = parse.GetValue(topP);
            if (!(p > 0 && p <= 1)) throw new ArgumentException($"--top-p {p}: must be in (0, 1]");
            int k = parse.GetValue(topK);
            if (k < 0) throw new ArgumentException($"--top-k {k}: must be >= 0 (0: off)");

            using var inference = new InferenceModel(parse.GetValue(model)!);
            int modelContext = GenAIFolderInfo.Read(inference.Folder).ContextLength;
            int context = parse.GetValue(maxContext) ?? modelContext;
            if (context < 2 || context > modelContext)
                throw new ArgumentException($"--max-context {context}: must be in 2 … {modelContext} (the model's context_length)");
            if (reserve >= context)
                throw new ArgumentException($"--max-new-tokens {reserve}: must be below the context ({context} tokens) to leave room for a prompt");
            using Tokenizer tokenizer = Tokenizer.Open(inference.Folder);
            using var client = new OnnxRuntimeGenAIChatClient(inference.Folder);
            var options = new ChatOptions
            {
                MaxOutputTokens = reserve,
                Temperature = t > 0 ? (float)t : null,
                TopP = t > 0 && p < 1 ? (float)p : null,
                TopK = t > 0 && k > 0 ? k : null,
                Seed = parse.GetValue(seed),
                // GenAI samples only with do_sample; a folder's generation defaults may say either, so say it here.
                AdditionalProperties = new() { ["do_sample"] = t > 0 },
                // The end-of-turn token ends the reply; it is not part of the text.
                StopSequences = tokenizer.EosToken is string eos ? [eos] : null,
            };
            var session = new ChatSession(client, options, new ChatHistory(parse.GetValue(system)), tokenizer, context, Console.In, Console.Out);
            Console.WriteLine($"chatting with {parse.GetValue(model)} ({context} tokens of context, replies up to {reserve}); /reset clears the conversation, /exit quits");
            session.Run();
            return 0;
        }));
        return command;
    }
}
