// Saves a ModelProto as model.onnx plus an external data file holding the large float and uint8 (packed int4) initializers.
using System.Globalization;
using Google.Protobuf;
using Hybrid.Data;

namespace Hybrid.Export.Onnx;

/// <summary>
/// Writes <c>model.onnx</c> and its external weights file. Float and uint8 (packed int4 weight) initializers of at least
/// <see cref="DefaultExternalThreshold"/> bytes move to the data file at page-aligned offsets (so ONNX Runtime can
/// memory-map them); int64/int32 tensors always stay inline, because shape constants read by Reshape and friends must be
/// inside the .onnx file for ORT's shape inference. Files are written under a temporary name and renamed into place:
/// ORT memory-maps external data, so overwriting a live model's data file in place would corrupt that model.
/// </summary>
public static class OnnxModelWriter
{
    /// <summary>Float and uint8 tensors at least this large (bytes) go to the external file; smaller ones stay inline.</summary>
    public const int DefaultExternalThreshold = 1024;

    /// <summary>Alignment of each tensor in the data file: one 4 KiB page.</summary>
    public const int Alignment = 4096;

    /// <summary>
    /// Writes <paramref name="model"/> (unchanged; a copy is modified) to <c>{directory}/{modelFileName}</c> and the external
    /// tensors to <c>{directory}/{dataFileName}</c> (default <c>{modelFileName}.data</c>; a versioned name lets a new
    /// model.onnx be switched in while a live model still maps the old data file). Returns the number of tensors stored
    /// externally.
    /// </summary>
    public static int Save(ModelProto model, string directory, string modelFileName = "model.onnx",
        int externalThreshold = DefaultExternalThreshold, string? dataFileName = null)
    {
        Directory.CreateDirectory(directory);
        dataFileName ??= modelFileName + ".data";
        if (dataFileName.Contains('/') || dataFileName.Contains('\\') || dataFileName == modelFileName)
            throw new ArgumentException($"dataFileName '{dataFileName}' must be a plain file name other than the model's", nameof(dataFileName));
        string modelPath = Path.Combine(directory, modelFileName);
        string dataPath = Path.Combine(directory, dataFileName);
        ModelProto copy = model.Clone();

        int external = 0;
        AtomicFile.Write(dataPath, data =>
        {
            foreach (TensorProto tensor in copy.Graph.Initializer)
            {
                bool weightType = tensor.DataType is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Uint8;
                if (!weightType || tensor.RawData.Length < externalThreshold)
                    continue;
                long offset = (data.Position + Alignment - 1) / Alignment * Alignment;
                data.SetLength(offset);
                data.Position = offset;
                tensor.RawData.WriteTo(data);
                tensor.ExternalData.Add(Entry("location", dataFileName));
                tensor.ExternalData.Add(Entry("offset", offset.ToString(CultureInfo.InvariantCulture)));
                tensor.ExternalData.Add(Entry("length", tensor.RawData.Length.ToString(CultureInfo.InvariantCulture)));
                tensor.DataLocation = TensorProto.Types.DataLocation.External;
                tensor.ClearRawData();
                external++;
            }
        });
        // The data file is renamed into place before the graph that refers to it; with no external tensor none is kept.
        if (external == 0) File.Delete(dataPath);
        AtomicFile.Write(modelPath, copy.WriteTo);
        return external;
    }

    private static StringStringEntryProto Entry(string key, string value) => new() { Key = key, Value = value };
}
