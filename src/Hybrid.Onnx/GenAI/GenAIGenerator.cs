// A GenAI generator whose next-token logits can be read and replaced: the rollout engine samples, GenAI keeps the KV cache.

namespace Hybrid.Onnx.GenAI;

/// <summary>
/// One batch of rows decoded by GenAI. Prompts go in as a ragged batch (<see cref="AppendTokenSequences"/>: GenAI pads on
/// the right and masks the padding). <see cref="GetLogits"/> reads the search's next-token logits [B, V] (each row's last
/// real position; GenAI runs the model for pending tokens on the first read), and <see cref="SetLogitsAndGenerateNextToken"/>
/// replaces them before GenAI chooses: a caller that samples itself writes 0 at its chosen id and −∞ elsewhere on a
/// greedy generator. At most 32 rows per generator (GenAI 0.18 rejects <c>batch_size</c> 33 and more).
/// </summary>
public sealed unsafe class GenAIGenerator : IDisposable
{
    /// <summary>The most rows one GenAI generator takes (measured with 0.18.0: <c>batch_size (33) must be in [1, 32]</c>).</summary>
    public const int MaxBatchSize = 32;

    private readonly GenAIModel _model;  // kept alive: the generator uses its sessions
    private nint _generator;

    internal GenAIGenerator(GenAIModel model, int batchSize, int maxLength, string? adapterName)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 1);
        _model = model;
        Rows = batchSize;
        OgaApi.Check(OgaApi.OgaCreateGeneratorParams(model.Handle, out nint parameters), "OgaCreateGeneratorParams");
        try
        {
            OgaApi.Check(OgaApi.OgaGeneratorParamsSetSearchNumber(parameters, "batch_size", batchSize), "OgaGeneratorParamsSetSearchNumber(batch_size)");
            OgaApi.Check(OgaApi.OgaGeneratorParamsSetSearchNumber(parameters, "max_length", maxLength), "OgaGeneratorParamsSetSearchNumber(max_length)");
            OgaApi.Check(OgaApi.OgaGeneratorParamsSetSearchNumber(parameters, "num_return_sequences", 1), "OgaGeneratorParamsSetSearchNumber(num_return_sequences)");
            // Greedy: the caller draws. Without a seed GenAI seeds its RNG from std::random_device on every generator
            // (~12 ms here, 0.1 ms with a fixed seed), though a greedy search draws nothing.
            OgaApi.Check(OgaApi.OgaGeneratorParamsSetSearchBool(parameters, "do_sample", false), "OgaGeneratorParamsSetSearchBool(do_sample)");
            OgaApi.Check(OgaApi.OgaGeneratorParamsSetSearchNumber(parameters, "random_seed", 0), "OgaGeneratorParamsSetSearchNumber(random_seed)");
            OgaApi.Check(OgaApi.OgaCreateGenerator(model.Handle, parameters, out _generator), "OgaCreateGenerator");
        }
        finally
        {
            OgaApi.OgaDestroyGeneratorParams(parameters);
        }
        if (adapterName is not null)
        {
            try
            {
                if (model.Adapters == 0) throw new InvalidOperationException($"adapter '{adapterName}' is not loaded (GenAIModel.LoadAdapter first)");
                OgaApi.Check(OgaApi.OgaSetActiveAdapter(_generator, model.Adapters, adapterName), "OgaSetActiveAdapter");
            }
            catch
            {
                Dispose();
                throw;
            }
        }
    }

    /// <summary>Number of rows (the batch size).</summary>
    public int Rows { get; }

    /// <summary>True when every row has ended (EOS or max_length).</summary>
    public bool IsDone => OgaApi.OgaGenerator_IsDone(Handle);

    private nint Handle => _generator != 0 ? _generator : throw new ObjectDisposedException(nameof(GenAIGenerator));

    /// <summary>Appends one prompt per row, of any lengths (GenAI pads and masks).</summary>
    public void AppendTokenSequences(IReadOnlyList<int[]> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count != Rows) throw new ArgumentException($"{prompts.Count} prompts for a generator of {Rows} rows", nameof(prompts));
        OgaApi.Check(OgaApi.OgaCreateSequences(out nint sequences), "OgaCreateSequences");
        try
        {
            foreach (int[] prompt in prompts)
            {
                ArgumentNullException.ThrowIfNull(prompt, nameof(prompts));
                fixed (int* tokens = prompt)
                    OgaApi.Check(OgaApi.OgaAppendTokenSequence(tokens, (nuint)prompt.Length, sequences), "OgaAppendTokenSequence");
            }
            OgaApi.Check(OgaApi.OgaGenerator_AppendTokenSequences(Handle, sequences), "OgaGenerator_AppendTokenSequences");
        }
        finally
        {
            OgaApi.OgaDestroySequences(sequences);
        }
    }

    /// <summary>Appends <paramref name="tokens"/> ([B·n]: n tokens to each row, row-major) and runs the model on them.</summary>
    public void AppendTokens(ReadOnlySpan<int> tokens)
    {
        if (tokens.Length % Rows != 0) throw new ArgumentException($"{tokens.Length} tokens do not split over {Rows} rows", nameof(tokens));
        fixed (int* data = tokens)
            OgaApi.Check(OgaApi.OgaGenerator_AppendTokens(Handle, data, (nuint)tokens.Length), "OgaGenerator_AppendTokens");
    }

    /// <summary>Copies the next-token logits into <paramref name="destination"/> (resized to B·V when needed); returns V.</summary>
    public int GetLogits(ref float[] destination)
    {
        OgaApi.Check(OgaApi.OgaGenerator_GetLogits(Handle, out nint tensor), "OgaGenerator_GetLogits");
        try
        {
            long[] shape = ReadFloatTensor(tensor, "next-token logits", out float* data);
            long count = 1;
            foreach (long d in shape) count *= d;
            int vocab = (int)shape[^1];
            if (count != (long)Rows * vocab)
                throw new InvalidOperationException($"GenAI next-token logits have shape [{string.Join(", ", shape)}], expected {Rows} rows");
            if (destination.Length != count) destination = new float[count];
            new ReadOnlySpan<float>(data, (int)count).CopyTo(destination);
            return vocab;
        }
        finally
        {
            OgaApi.OgaDestroyTensor(tensor);
        }
    }

    /// <summary>
    /// Makes <paramref name="logits"/> [B, V] the logits GenAI chooses from, then runs its next step (GenAI may read the
    /// buffer until then, so it stays pinned).
    /// </summary>
    public void SetLogitsAndGenerateNextToken(float[] logits, int vocab)
    {
        ArgumentNullException.ThrowIfNull(logits);
        if (logits.Length != (long)Rows * vocab) throw new ArgumentException($"{logits.Length} logits for [{Rows}, {vocab}]", nameof(logits));
        long* shape = stackalloc long[2] { Rows, vocab };
        fixed (float* data = logits)
        {
            OgaApi.Check(OgaApi.OgaCreateTensorFromBuffer(data, shape, 2, OgaApi.Float32, out nint tensor), "OgaCreateTensorFromBuffer");
            try
            {
                OgaApi.Check(OgaApi.OgaGenerator_SetLogits(Handle, tensor), "OgaGenerator_SetLogits");
                OgaApi.Check(OgaApi.OgaGenerator_GenerateNextToken(Handle), "OgaGenerator_GenerateNextToken");
            }
            finally
            {
                OgaApi.OgaDestroyTensor(tensor);
            }
        }
    }

    /// <summary>Runs GenAI's own search step (greedy: the arg-max of the current logits).</summary>
    public void GenerateNextToken() => OgaApi.Check(OgaApi.OgaGenerator_GenerateNextToken(Handle), "OgaGenerator_GenerateNextToken");

    /// <summary>The token each row took in the last step ([B]; valid until the next call on this generator).</summary>
    public ReadOnlySpan<int> NextTokens
    {
        get
        {
            OgaApi.Check(OgaApi.OgaGenerator_GetNextTokens(Handle, out int* tokens, out nuint count), "OgaGenerator_GetNextTokens");
            return new ReadOnlySpan<int>(tokens, checked((int)count));
        }
    }

    /// <summary>A copy of the model output <paramref name="name"/> of the last run (float32), and its shape.</summary>
    public float[] GetOutput(string name, out long[] shape)
    {
        OgaApi.Check(OgaApi.OgaGenerator_GetOutput(Handle, name, out nint tensor), $"OgaGenerator_GetOutput({name})");
        try
        {
            shape = ReadFloatTensor(tensor, name, out float* data);
            long count = 1;
            foreach (long d in shape) count *= d;
            return new ReadOnlySpan<float>(data, checked((int)count)).ToArray();
        }
        finally
        {
            OgaApi.OgaDestroyTensor(tensor);
        }
    }

    /// <summary>Row <paramref name="row"/>'s sequence: its prompt, padding up to the longest prompt, then the generated tokens.</summary>
    public int[] GetSequence(int row)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Rows);
        nuint count = OgaApi.OgaGenerator_GetSequenceCount(Handle, (nuint)row);
        int* data = OgaApi.OgaGenerator_GetSequenceData(Handle, (nuint)row);
        return count == 0 ? [] : new ReadOnlySpan<int>(data, checked((int)count)).ToArray();
    }

    /// <summary>Frees the native generator.</summary>
    public void Dispose()
    {
        if (_generator != 0) { OgaApi.OgaDestroyGenerator(_generator); _generator = 0; }
        GC.KeepAlive(_model);
    }

    private static long[] ReadFloatTensor(nint tensor, string what, out float* data)
    {
        OgaApi.Check(OgaApi.OgaTensorGetType(tensor, out int type), "OgaTensorGetType");
        if (type != OgaApi.Float32) throw new InvalidOperationException($"GenAI {what} are of element type {type}, expected float32 ({OgaApi.Float32})");
        OgaApi.Check(OgaApi.OgaTensorGetShapeRank(tensor, out nuint rank), "OgaTensorGetShapeRank");
        var shape = new long[(int)rank];
        fixed (long* dims = shape)
            OgaApi.Check(OgaApi.OgaTensorGetShape(tensor, dims, rank), "OgaTensorGetShape");
        OgaApi.Check(OgaApi.OgaTensorGetData(tensor, out void* raw), "OgaTensorGetData");
        data = (float*)raw;
        return shape;
    }
}
