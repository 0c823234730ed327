// Batched sampling from an exported decoder (GenAI or ORT backend): prompts × G samples, ragged prompts, chunked, with rollout log-probs.
using Hybrid.Models.Generation;
using Hybrid.Onnx;
using Hybrid.Rollout.Decoding;

namespace Hybrid.Rollout;

/// <summary>
/// Serves rollouts from a GenAI model folder (model.onnx + data, genai_config.json, tokenizer) on the backend of
/// <see cref="RolloutEngineOptions.Backend"/>. One request:
/// <code>
/// prompts [P] ─► repeat each G times (GenAI's num_return_sequences is broken with sampling) ─► N = P·G rows
///   ─► chunks of ≤ MaxBatchSize rows (up to ParallelChunks decoding at once) ─► per chunk one IDecoderBatch (GenAI
///      generator, or ORT session over preallocated buffers) over the ragged prompts:
///        loop: next-token logits [n, V] ─► RowSampler (argmax when greedy): token + log q(token) per row
///              ─► Append(tokens [n]) (finished rows get the pad id)
///   ─► Rollout per row (prompt, response, log-probs, Stop/Length, policy version)
/// </code>
/// A request leases the current policy snapshot before its first chunk and keeps it to the last, so a weight sync in
/// the middle never mixes versions; the old snapshot is freed when its last request ends. Stop ids are the request's
/// plus the model's EOS ids (GenAI ends rows at its EOS whatever we ask; the Ort backend follows the same rule). Seeded
/// requests seed chunk c with seed + c. Thread-safe: requests may run concurrently with each other and with syncs.
/// New versions arrive as files (<see cref="InstallReloadedModel"/>, <see cref="InstallAdapter"/>), which the trainer's
/// weight syncs write from its tensors: the engine itself never sees a tensor library.
/// </summary>
public sealed class RolloutEngine : IRolloutGenerator, IDisposable
{
    private readonly Lock _lock = new();
    private PolicySnapshot _current;
    private int _modelLoads = 1;
    private bool _disposed;

    /// <summary>Loads the folder's model as policy version <paramref name="initialVersion"/> (0 = the exported weights).</summary>
    public RolloutEngine(string modelDirectory, RolloutEngineOptions? options = null, long initialVersion = 0)
    {
        ModelDirectory = Path.GetFullPath(modelDirectory);
        Options = options ?? new RolloutEngineOptions();
        Options.CheckCombination();
        Info = GenAIFolderInfo.Read(ModelDirectory);
        OnnxNative.EnsureLoaded();  // a missing libonnxruntime.so would otherwise crash GenAI instead of throwing
        LoadedModel model = LoadModel(dataFileToDelete: null);
        _current = new PolicySnapshot(model, initialVersion);
        model.Users = 1;
    }

    /// <summary>The GenAI folder (absolute).</summary>
    public string ModelDirectory { get; }

    public RolloutEngineOptions Options { get; }

    /// <summary>Ids and limits from genai_config.json.</summary>
    public GenAIFolderInfo Info { get; }

    /// <summary>The policy version new requests sample with.</summary>
    public long PolicyVersion
    {
        get { lock (_lock) return _current.Version; }
    }

    /// <summary>Samples G responses for every prompt of <paramref name="request"/> with the current policy version.</summary>
    public RolloutBatch Generate(RolloutRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        SamplingParams sampling = request.Sampling;
        sampling.CheckVocabulary(Info.VocabSize);
        int longest = request.Prompts.Count == 0 ? 0 : request.Prompts.Max(p => p.Length);
        if (longest + sampling.MaxNewTokens > Info.ContextLength)
            throw new ArgumentException($"the longest prompt ({longest} tokens) + SamplingParams.MaxNewTokens ({sampling.MaxNewTokens}) exceeds the model's context_length ({Info.ContextLength}): shorten prompts or lower MaxNewTokens", nameof(request));
        foreach (int[] prompt in request.Prompts)
        {
            if (prompt.Any(id => id < 0 || id >= Info.VocabSize))
                throw new ArgumentException($"RolloutRequest.Prompts holds an id outside [0, {Info.VocabSize})", nameof(request));
        }

        int g = request.SamplesPerPrompt;
        var rows = new List<(int Prompt, int Sample)>();
        for (int i = 0; i < request.Prompts.Count; i++)
            for (int s = 0; s < g; s++) rows.Add((i, s));
        var stop = new HashSet<int>(sampling.StopTokenIds.Concat(Info.EosTokenIds));

        PolicySnapshot snapshot = Acquire();
        try
        {
            int size = Options.MaxBatchSize, chunks = (rows.Count + size - 1) / size;
            var decoded = new List<Rollout>[chunks];
            void Decode(int chunk)
            {
                ChunkStarting?.Invoke(chunk);
                var part = rows.GetRange(chunk * size, Math.Min(size, rows.Count - chunk * size));
                decoded[chunk] = DecodeChunk(snapshot, request.Prompts, part, sampling, stop, chunk);
            }
            int workers = Math.Min(Options.ParallelChunks, chunks);
            if (workers <= 1)
            {
                for (int chunk = 0; chunk < chunks; chunk++) Decode(chunk);
            }
            else
            {
                // Each chunk is independent (own batch, seed + chunk), so decoding several at once changes no result.
                try { Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = workers }, Decode); }
                catch (AggregateException e) when (e.InnerExceptions.Count > 0)
                {
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
                    throw;
                }
            }
            var samples = new List<Rollout>(rows.Count);
            foreach (List<Rollout> part in decoded) samples.AddRange(part);
            return new RolloutBatch { Samples = samples, SamplesPerPrompt = g, PolicyVersion = snapshot.Version };
        }
        finally
        {
            Release(snapshot);
        }
    }

    /// <summary>
    /// The model output logits [T, V] (row-major) of the current policy for every position of <paramref name="tokens"/>:
    /// row t predicts token t + 1. For checking a sync against the trainer's forward.
    /// </summary>
    public float[] Logits(IReadOnlyList<int> tokens)
    {
        if (tokens.Count == 0 || tokens.Count >= Info.ContextLength)
            throw new ArgumentException($"need 1 … {Info.ContextLength - 1} tokens, got {tokens.Count}", nameof(tokens));
        PolicySnapshot snapshot = Acquire();
        try
        {
            return snapshot.PromptLogits(tokens);
        }
        finally
        {
            Release(snapshot);
        }
    }

    private List<Rollout> DecodeChunk(PolicySnapshot snapshot, IReadOnlyList<int[]> prompts, List<(int Prompt, int Sample)> rows,
        SamplingParams sampling, HashSet<int> stop, int chunk)
    {
        int n = rows.Count, v = Info.VocabSize;
        int[][] chunkPrompts = rows.Select(r => prompts[r.Prompt]).ToArray();
        int longest = chunkPrompts.Max(p => p.Length);
        using IDecoderBatch batch = snapshot.StartBatch(chunkPrompts, longest + sampling.MaxNewTokens);

        var responses = new List<int>[n];
        var logProbs = new List<float>[n];
        var finished = new bool[n];
        for (int r = 0; r < n; r++) (responses[r], logProbs[r]) = ([], []);
        var picks = new int[n];  // [n] this step's token per row (the pad id once a row finished)
        RowSampler? sampler = sampling.IsGreedy ? null
            : new RowSampler(sampling, sampling.Seed is long seed ? new Random((int)((seed + chunk) & int.MaxValue)) : new Random());

        for (int step = 0; step < sampling.MaxNewTokens; step++)
        {
            Span<float> logits = batch.NextLogits();  // [n, V] each row's next-token logits
            bool allDone = true;
            for (int r = 0; r < n; r++)
            {
                if (finished[r])
                {
                    picks[r] = Info.PadTokenId;
                    continue;
                }
                ReadOnlySpan<float> row = logits.Slice(r * v, v);
                float logQ = 0;
                picks[r] = sampler is null ? RowSampler.Greedy(row) : sampler.Draw(row, out logQ);
                responses[r].Add(picks[r]);
                logProbs[r].Add(logQ);
                finished[r] = stop.Contains(picks[r]);
                allDone &= finished[r];
            }
            if (allDone || step == sampling.MaxNewTokens - 1) break;
            batch.Append(picks);
        }

        var result = new List<Rollout>(n);
        for (int r = 0; r < n; r++)
        {
            result.Add(new Rollout
            {
                PromptIndex = rows[r].Prompt,
                SampleIndex = rows[r].Sample,
                PromptIds = chunkPrompts[r],
                ResponseIds = [.. responses[r]],
                LogProbs = [.. logProbs[r]],
                Finish = finished[r] ? FinishReason.Stop : FinishReason.Length,
                PolicyVersion = snapshot.Version,
            });
        }
        return result;
    }

    /// <summary>Called with the chunk index before each chunk of a request decodes (tests sync weights mid-request here).</summary>
    internal Action<int>? ChunkStarting { get; set; }

    // ---- policy versions (the trainer's weight syncs write new weight files and install them here) -------------------

    /// <summary>
    /// Models the engine has served: 1 at start, +1 each time <see cref="InstallReloadedModel"/> puts a newly loaded model
    /// in place. An adapter lives in one loaded model, so an adapter sync checks that this has not moved since it bound.
    /// </summary>
    public int ModelLoads
    {
        get { lock (_lock) return _modelLoads; }
    }

    /// <summary>
    /// Hands <paramref name="file"/>, a file the current model maps (the export's external data file), to the engine: it
    /// is deleted with that model, i.e. once a reload has replaced it and its last request has ended.
    /// </summary>
    public void DeleteWithCurrentModel(string? file)
    {
        lock (_lock) _current.Model.DataFileToDelete = file;
    }

    /// <summary>
    /// Re-export sync: loads the folder's model file again — rewritten by the caller to map the new external data file
    /// <paramref name="dataFile"/> — and makes it policy version <paramref name="version"/> (newer than the current one).
    /// From this call on the engine owns <paramref name="dataFile"/>: it is deleted if the load fails, else once no
    /// request uses that version. A data file a loaded model maps must never be overwritten (ORT memory-maps it).
    /// </summary>
    public void InstallReloadedModel(long version, string dataFile)
    {
        ArgumentNullException.ThrowIfNull(dataFile);
        LoadedModel loaded;
        try
        {
            loaded = LoadModel(dataFile);
        }
        catch
        {
            File.Delete(dataFile);
            throw;
        }
        Install(new PolicySnapshot(loaded, version));
    }

    /// <summary>
    /// Adapter sync: loads the .onnx_adapter <paramref name="adapterFile"/> (parameters named as the graph's overridable
    /// initializers) into the current model as <c>policy.v{version}</c> and makes it policy version
    /// <paramref name="version"/> (newer than the current one). From this call on the engine owns the file: it is deleted
    /// if the load fails, else unloaded and deleted once no request uses that version.
    /// </summary>
    public void InstallAdapter(long version, string adapterFile)
    {
        ArgumentNullException.ThrowIfNull(adapterFile);
        string name = $"policy.v{version}";
        LoadedModel model = CurrentModel;
        try
        {
            model.LoadAdapter(adapterFile, name);
        }
        catch
        {
            File.Delete(adapterFile);
            throw;
        }
        Install(new PolicySnapshot(model, version, name, onFree: () =>
        {
            model.UnloadAdapter(name);
            File.Delete(adapterFile);
        }));
    }

    /// <summary>Loads the folder's current model.onnx on this engine's backend (the initial load and each reload).</summary>
    private LoadedModel LoadModel(string? dataFileToDelete) => LoadedModel.Load(ModelDirectory, Info, Options, dataFileToDelete);

    /// <summary>The model the current version runs on (the profile and tests start batches on it directly).</summary>
    internal LoadedModel CurrentModel
    {
        get { lock (_lock) return _current.Model; }
    }

    /// <summary>
    /// Makes <paramref name="next"/> the version new requests use. The previous version is freed now if no request holds
    /// it, else when the last one ends. <paramref name="next"/>.Version must be above the current one.
    /// </summary>
    private void Install(PolicySnapshot next)
    {
        PolicySnapshot old;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (next.Version <= _current.Version)
                throw new InvalidOperationException($"policy version {next.Version} is not newer than the current {_current.Version}");
            old = _current;
            _current = next;
            next.Model.Users++;
            if (!ReferenceEquals(next.Model, old.Model)) _modelLoads++;
            old.Retired = true;
            if (old.Leases > 0) return;
        }
        Free(old);
    }

    private PolicySnapshot Acquire()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _current.Leases++;
            return _current;
        }
    }

    private void Release(PolicySnapshot snapshot)
    {
        lock (_lock)
        {
            snapshot.Leases--;
            if (!snapshot.Retired || snapshot.Leases > 0) return;
        }
        Free(snapshot);
    }

    private void Free(PolicySnapshot snapshot)
    {
        snapshot.OnFree?.Invoke();
        bool lastUser;
        lock (_lock) lastUser = --snapshot.Model.Users == 0;
        if (lastUser) snapshot.Model.Free();
    }

    /// <summary>Frees the current version and its model. Requests still running keep theirs until they end.</summary>
    public void Dispose()
    {
        PolicySnapshot current;
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            current = _current;
            current.Retired = true;
            if (current.Leases > 0) return;
        }
        Free(current);
    }
}
