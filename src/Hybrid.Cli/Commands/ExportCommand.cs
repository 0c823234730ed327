// `hybrid export`: writes a Hugging Face checkpoint as an ONNX folder that stock ONNX Runtime GenAI loads and chats with.
using Hybrid.Export.Decoder;
using Hybrid.Models.Lora;

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
        var int4 = new Option<bool>("--int4") { Description = "Store the Linear layers as blockwise int4 (com.microsoft.MatMulNBits, weight-only); needs --kernel optimized" };
        var blockSize = new Option<int?>("--block-size") { Description = "int4 weights per scale along the input dimension: a power of two ≥ 16 (default 32)" };
        var symmetric = new Option<bool>("--int4-symmetric") { Description = "int4 blocks without zero points (scale only) instead of asymmetric ones" };
        var lmHead = new Option<bool>("--int4-lm-head") { Description = "Also quantize the LM head (default: float32)" };
        var accuracy = new Option<int?>("--int4-accuracy-level") { Description = "MatMulNBits accuracy_level: 4 int8 activations (default, as llama.cpp's Q4_0; faster on CPU) … 0 float32 activations (exact up to rounding)" };
        var device = DeviceOption.Create("Device genai_config.json names for the decoder");
        var mergeLora = new Option<bool>("--merge-lora") { Description = "--model is a LoRA adapter folder (adapter_config.json): export its base with the adapter merged into the weights" };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace a non-empty --out folder that is not an earlier export (an earlier export is always replaced whole)" };
        var command = new Command("export", "Exports a checkpoint to an ONNX Runtime GenAI model folder");
        foreach (Option option in new Option[] { model, output, kernel, context, int4, blockSize, symmetric, lmHead, accuracy, device, mergeLora, overwrite })
            command.Options.Add(option);
        command.SetAction(parse => CliErrors.Run(parse, () =>
        {
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            bool adapter = LoraAdapterFile.IsAdapterFolder(parse.GetValue(model)!);
            if (adapter && !parse.GetValue(mergeLora))
                throw new ArgumentException($"--model {parse.GetValue(model)}: a LoRA adapter folder: add --merge-lora to export its base with the adapter merged");
            if (!adapter && parse.GetValue(mergeLora))
                throw new ArgumentException($"--merge-lora: --model {parse.GetValue(model)} is not a LoRA adapter folder (no adapter_config.json)");
            CheckOut(outDir, parse.GetValue(overwrite));
            Int4Options? quantize = null;
            if (parse.GetValue(int4))
            {
                quantize = new Int4Options { Symmetric = parse.GetValue(symmetric), QuantizeLmHead = parse.GetValue(lmHead) };
                if (parse.GetValue(blockSize) is int size) quantize = quantize with { BlockSize = size };
                if (parse.GetValue(accuracy) is int level) quantize = quantize with { AccuracyLevel = level };
                quantize.Validate();
            }
            else if (parse.GetValue(blockSize) is not null || parse.GetValue(symmetric) || parse.GetValue(lmHead) || parse.GetValue(accuracy) is not null)
                throw new ArgumentException("--block-size, --int4-symmetric, --int4-lm-head and --int4-accuracy-level configure int4 weights: add --int4");
            DecoderExporter.ExportCheckpoint(parse.GetValue(model)!, outDir,
                new DecoderExportOptions { Kernel = parse.GetValue(kernel), ContextLength = parse.GetValue(context), Int4 = quantize,
                                         Device = DeviceOption.Parse(parse.GetValue(device)!) });
            string weights = quantize is null ? "" : $", int4 weights (block {quantize.BlockSize}{(quantize.Symmetric ? ", symmetric" : "")})";
            Console.WriteLine($"exported {parse.GetValue(kernel)} ONNX model{weights}{(adapter ? " (LoRA adapter merged)" : "")} to {outDir}");
            return 0;
        }));
        return command;
    }

    /// <summary>
    /// An export replaces its whole folder, so --out must be a folder that holds nothing else: absent, empty, an earlier
    /// export (it has model.onnx), or any folder when --overwrite says its contents may go.
    /// </summary>
    private static void CheckOut(string outDir, bool overwrite)
    {
        if (File.Exists(outDir)) throw new ArgumentException($"--out {outDir}: is a file; give a folder (it is created when missing)");
        if (!Directory.Exists(outDir) || overwrite || File.Exists(Path.Combine(outDir, "model.onnx"))) return;
        string? first = Directory.EnumerateFileSystemEntries(outDir).FirstOrDefault();
        if (first is not null)
            throw new ArgumentException($"--out {outDir}: the folder is not empty and is not an earlier export (e.g. '{Path.GetFileName(first)}'); " +
                                        "an export replaces its whole folder: choose another --out, or pass --overwrite to replace its contents");
    }
}
