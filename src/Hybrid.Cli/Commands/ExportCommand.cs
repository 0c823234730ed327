// `hybrid export`: writes a Hugging Face checkpoint as an ONNX folder that stock ONNX Runtime GenAI loads and chats with.
using System.CommandLine;
using Hybrid.Export.Decoder;

namespace Hybrid.Cli.Commands;

internal static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Hugging Face checkpoint folder (config.json, *.safetensors, tokenizer)", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder: model.onnx, model.onnx.data, genai_config.json, tokenizer files", Required = true };
        var kernel = new Option<AttentionKernel>("--kernel")
        {
            Description = "optimized: ORT contrib ops (GroupQueryAttention, SimplifiedLayerNormalization), shared KV buffer; reference: standard ONNX ops only",
            DefaultValueFactory = _ => AttentionKernel.Optimized,
        };
        var context = new Option<int?>("--context-length") { Description = "Longest sequence GenAI will run (default: max_position_embeddings)" };
        var command = new Command("export", "Exports a checkpoint to an ONNX Runtime GenAI model folder");
        command.Options.Add(model);
        command.Options.Add(output);
        command.Options.Add(kernel);
        command.Options.Add(context);
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            DecoderExporter.ExportCheckpoint(parse.GetValue(model)!, outDir,
                new DecoderExportOptions { Kernel = parse.GetValue(kernel), ContextLength = parse.GetValue(context) });
            Console.WriteLine($"exported {parse.GetValue(kernel)} ONNX model to {outDir}");
            return 0;
        }));
        return command;
    }
}
