// One batch of rows decoded on an ONNX Runtime session: right-padded prefill in row groups, then one run per token.
using Microsoft.ML.OnnxRuntime;

namespace Hybrid.Rollout.Decoding;

/// <summary>
/// Drives the exported decoder directly, n rows at once, every buffer allocated once per batch in native memory and
/// handed to ORT as preallocated inputs and outputs (ORT writes logits and KV straight into them):
/// <code>
/// prefill   ids [g,S] (prompts right-padded with the pad id), mask [g,S] (0 on pads), positions 0…S−1 [g,S]
///           for row groups of g rows whose logits [g,S,V] fit PrefillLogitsBytes ─► row r's logits at its last prompt
///           token ─► next-token logits [n,V];  the groups' KV caches are row slices of one [n,Hkv,·,D] buffer per tensor
/// step      token [n,1], position = row length so far [n,1], mask [n,W+1] = prompt mask then ones
///           ─► logits [n,1,V] written straight into the next-token buffer
/// KV cache  shared (GroupQueryAttention): past = present = [n,Hkv,capacity,D], updated in place at each row's length;
///           Concat: past [n,Hkv,W,D] from one buffer set, present [n,Hkv,W+1,D] into the other, swapped every step
/// </code>
/// Right padding serves both graphs: GroupQueryAttention takes each row's length from the mask sum, and the Concat graph
/// masks the pad columns in the middle of a row. Capacity = the longest prompt + the new tokens of the request.
/// Runs go through <c>OrtRun</c> with preallocated outputs, not an IOBinding: ORT 1.29 applies a RunOptions' active LoRA
/// adapters on that path only (with <c>RunWithBinding</c> an adapter sync left the logits on the old weights).
/// </summary>
internal sealed class OrtDecoderBatch : IDecoderBatch
{
    private readonly InferenceSession _session;
    private readonly OrtDecoderGraph _graph;
    private readonly RunOptions _run = new();
    private readonly List<string> _inputNames = [], _outputNames = [];
    private readonly List<OrtValue> _inputs = [], _outputs = [];      // this run's views (owned until it ends)
    private readonly int[] _promptLengths;             // [n]
    private readonly int _promptWidth, _capacity;      // S; most columns a row holds
    private readonly NativeBuffer<long> _ids;           // [n,S] at prefill, then [n,1]
    private readonly NativeBuffer<long> _positions;     // same shape as the ids
    private readonly NativeBuffer<long> _mask;          // [n,W] for the W columns fed so far
    private readonly NativeBuffer<float> _logits;       // [n,V] next-token logits
    private readonly NativeBuffer<float>[][] _cache;    // [set][2·l + (0 key | 1 value)] of [n,Hkv,·,D]; one set when shared
    private int _width, _set;                          // columns fed so far; Concat: the set holding the cache

    /// <summary>
    /// Prefills <paramref name="prompts"/> (each ≥ 1 token) on <paramref name="session"/> with room for
    /// <paramref name="capacity"/> tokens per row (prompt width included). <paramref name="adapter"/>: an ORT LoRA adapter
    /// active for every run (null: the session's own weights). <paramref name="promptLogits"/>, when given, receives the
    /// prefill logits [n,S,V] of a single-group prefill.
    /// </summary>
    public OrtDecoderBatch(InferenceSession session, OrtDecoderGraph graph, OrtLoraAdapter? adapter, IReadOnlyList<int[]> prompts,
        int capacity, long padTokenId, long prefillLogitsBytes, float[]? promptLogits = null)
    {
        _session = session;
        _graph = graph;
        Rows = prompts.Count;
        _promptLengths = prompts.Select(p => p.Length).ToArray();
        _promptWidth = _promptLengths.Max();
        if (capacity < _promptWidth + 1) throw new ArgumentOutOfRangeException(nameof(capacity), capacity, $"must exceed the longest prompt ({_promptWidth} tokens)");
        _capacity = capacity;
        try
        {
            if (adapter is not null) _run.AddActiveLoraAdapter(adapter);
            int n = Rows, s = _promptWidth;
            _ids = new NativeBuffer<long>((long)n * s);
            _positions = new NativeBuffer<long>((long)n * s);
            _mask = new NativeBuffer<long>((long)n * capacity);
            _logits = new NativeBuffer<float>((long)n * graph.Vocab);
            long perRow = (long)graph.KvHeads * capacity * graph.HeadSize;
            _cache = new NativeBuffer<float>[graph.SharedKvBuffer ? 1 : 2][];
            for (int set = 0; set < _cache.Length; set++)
            {
                _cache[set] = new NativeBuffer<float>[2 * graph.Layers];
                for (int i = 0; i < _cache[set].Length; i++) _cache[set][i] = new NativeBuffer<float>(n * perRow);
            }
            Prefill(prompts, padTokenId, prefillLogitsBytes, promptLogits);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Rows { get; }

    public Span<float> NextLogits() => _logits.Span(Rows * _graph.Vocab);

    public void Append(ReadOnlySpan<int> tokens)
    {
        int n = Rows, width = _width + 1, s = _promptWidth;
        if (tokens.Length != n) throw new ArgumentException($"{tokens.Length} tokens for {n} rows", nameof(tokens));
        if (width > _capacity) throw new InvalidOperationException($"the batch holds {_capacity} tokens per row; appending would make {width}");
        Span<long> ids = _ids.Span(n), positions = _positions.Span(n), mask = _mask.Span(n * width);
        for (int r = 0; r < n; r++)
        {
            ids[r] = tokens[r];
            positions[r] = _promptLengths[r] + (_width - s);                    // real tokens before this one
            Span<long> row = mask.Slice(r * width, width);                       // prompt mask, then ones
            row[.._promptLengths[r]].Fill(1);
            row[_promptLengths[r]..s].Fill(0);
            row[s..].Fill(1);
        }

        try
        {
            Input(OrtDecoderGraph.InputIds, _ids.View(0, n, 1));
            Input(OrtDecoderGraph.AttentionMask, _mask.View(0, n, width));
            if (_graph.HasPositionIds) Input(OrtDecoderGraph.PositionIds, _positions.View(0, n, 1));
            for (int i = 0; i < 2 * _graph.Layers; i++)
            {
                if (_graph.SharedKvBuffer)
                {
                    Input(_graph.PastNames[i], _cache[0][i].View(0, n, _graph.KvHeads, _capacity, _graph.HeadSize));
                    Output(_graph.PresentNames[i], _inputs[^1]);  // the same buffer, updated in place
                }
                else
                {
                    Input(_graph.PastNames[i], _cache[_set][i].View(0, n, _graph.KvHeads, _width, _graph.HeadSize));
                    Output(_graph.PresentNames[i], _cache[1 - _set][i].View(0, n, _graph.KvHeads, width, _graph.HeadSize));
                }
            }
            Output(OrtDecoderGraph.Logits, _logits.View(0, n, 1, _graph.Vocab));
            _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);
        }
        finally
        {
            EndRun();
        }
        _width = width;
        if (!_graph.SharedKvBuffer) _set = 1 - _set;
    }

    private void Prefill(IReadOnlyList<int[]> prompts, long padTokenId, long prefillLogitsBytes, float[]? promptLogits)
    {
        int n = Rows, s = _promptWidth, v = _graph.Vocab;
        Span<long> ids = _ids.Span(n * s), positions = _positions.Span(n * s), mask = _mask.Span(n * s);
        for (int r = 0; r < n; r++)
        {
            int length = _promptLengths[r];
            for (int j = 0; j < s; j++)
            {
                ids[r * s + j] = j < length ? prompts[r][j] : padTokenId;
                positions[r * s + j] = j;
                mask[r * s + j] = j < length ? 1 : 0;
            }
        }

        int group = (int)Math.Clamp(prefillLogitsBytes / ((long)s * v * sizeof(float)), 1, n);
        if (promptLogits is not null && (group != n || promptLogits.Length != (long)n * s * v))
            throw new ArgumentException($"prompt logits need one prefill group and [{n}, {s}, {v}] floats", nameof(promptLogits));
        using var groupLogits = new NativeBuffer<float>((long)group * s * v);  // [g,S,V]
        long perRow = (long)_graph.KvHeads * (_graph.SharedKvBuffer ? _capacity : s) * _graph.HeadSize;
        Span<float> next = _logits.Span(n * v);
        for (int first = 0; first < n; first += group)
        {
            int g = Math.Min(group, n - first);
            try
            {
                Input(OrtDecoderGraph.InputIds, _ids.View((long)first * s, g, s));
                Input(OrtDecoderGraph.AttentionMask, _mask.View((long)first * s, g, s));
                if (_graph.HasPositionIds) Input(OrtDecoderGraph.PositionIds, _positions.View((long)first * s, g, s));
                for (int i = 0; i < 2 * _graph.Layers; i++)
                {
                    NativeBuffer<float> rows = _cache[0][i];
                    if (_graph.SharedKvBuffer)
                    {
                        Input(_graph.PastNames[i], rows.View(first * perRow, g, _graph.KvHeads, _capacity, _graph.HeadSize));
                        Output(_graph.PresentNames[i], _inputs[^1]);  // the same buffer, written in place
                    }
                    else
                    {
                        Input(_graph.PastNames[i], rows.View(0, g, _graph.KvHeads, 0, _graph.HeadSize));  // empty past
                        Output(_graph.PresentNames[i], rows.View(first * perRow, g, _graph.KvHeads, s, _graph.HeadSize));
                    }
                }
                Output(OrtDecoderGraph.Logits, groupLogits.View(0, g, s, v));
                _session.Run(_run, _inputNames, _inputs, _outputNames, _outputs);
            }
            finally
            {
                EndRun();
            }

            Span<float> all = groupLogits.Span(g * s * v);
            for (int r = first; r < first + g; r++)
                all.Slice(((r - first) * s + _promptLengths[r] - 1) * v, v).CopyTo(next.Slice(r * v, v));
            if (promptLogits is not null) all.CopyTo(promptLogits);
        }
        _width = s;
        _set = 0;
    }

    private void Input(string name, OrtValue value)
    {
        _inputNames.Add(name);
        _inputs.Add(value);
    }

    /// <summary>Adds an output; a view that is also an input (the shared KV buffer) is disposed once, with the inputs.</summary>
    private void Output(string name, OrtValue value)
    {
        _outputNames.Add(name);
        _outputs.Add(value);
    }

    /// <summary>Disposes this run's views and clears the name lists.</summary>
    private void EndRun()
    {
        foreach (OrtValue value in _inputs) value.Dispose();
        foreach (OrtValue value in _outputs)
            if (!_inputs.Contains(value)) value.Dispose();
        _inputNames.Clear();
        _outputNames.Clear();
        _inputs.Clear();
        _outputs.Clear();
    }

    public void Dispose()
    {
        _run.Dispose();
        _ids?.Dispose();
        _positions?.Dispose();
        _mask?.Dispose();
        _logits?.Dispose();
        if (_cache is null) return;
        foreach (NativeBuffer<float>[]? set in _cache)
            foreach (NativeBuffer<float>? buffer in set ?? []) buffer?.Dispose();
    }
}
