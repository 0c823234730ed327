// Scores texts with an exported reward model on ONNX Runtime: tokenize, truncate, length-sorted batches, IOBinding runs.
using Hybrid.Data;
using Hybrid.Models.Config;
using Hybrid.Models.Tokenizers;
using Microsoft.ML.OnnxRuntime;

namespace Hybrid.Rollout.Scoring;

/// <summary>
/// A reward model folder as <c>DecoderExporter.ExportScoreModel</c> writes it — <c>model.onnx</c> (+ <c>model.onnx.data</c>)
/// taking <c>input_ids</c>, <c>attention_mask</c> [B, T] int64 and returning <c>score</c> [B] float32, the decoder's
/// <c>config.json</c>, and the tokenizer files — opened for scoring:
/// <code>
/// texts ─► Tokenizer ─► keep last MaxLength tokens ─► sort by length ─► batches of BatchSize
///       ─► right-pad + mask (pinned buffers) ─► IOBinding run ─► score [B] ─► back to input order
/// </code>
/// Right padding with a mask gives the same score as the unpadded row (the model reads the score at the last real
/// token), so batch size and batch composition do not change any row's score beyond float rounding.
/// </summary>
public sealed class OnnxRewardScorer : IRewardScorer
{
    public const string ModelFile = "model.onnx", ConfigFile = "config.json";

    private readonly InferenceSession _session;
    private readonly OrtScoreBinding _binding;

    private OnnxRewardScorer(string dir, InferenceSession session, OrtScoreBinding binding, Tokenizer tokenizer, RewardScorerOptions options, int maxLength)
    {
        ModelDir = dir;
        _session = session;
        _binding = binding;
        Tokenizer = tokenizer;
        Options = options;
        MaxLength = maxLength;
    }

    /// <summary>The model folder (full path).</summary>
    public string ModelDir { get; }

    /// <summary>The folder's tokenizer (owned).</summary>
    public Tokenizer Tokenizer { get; }

    public RewardScorerOptions Options { get; }

    /// <summary>Longest input in tokens (<see cref="RewardScorerOptions.MaxLength"/> or the config's max_position_embeddings).</summary>
    public int MaxLength { get; }

    /// <summary>The IOBinding runner (exposed for tests and benches: its <c>Runs</c> counts batches).</summary>
    public OrtScoreBinding Binding => _binding;

    /// <summary>Opens <paramref name="modelDir"/>; errors name the missing file or the mismatched input/output.</summary>
    public static OnnxRewardScorer Open(string modelDir, RewardScorerOptions? options = null)
    {
        options = (options ?? new RewardScorerOptions()).Validate();
        string dir = Path.GetFullPath(modelDir);
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: reward model folder does not exist");
        string modelPath = Path.Combine(dir, ModelFile), configPath = Path.Combine(dir, ConfigFile);
        if (!File.Exists(modelPath)) throw new FileNotFoundException($"{modelPath}: missing (export the reward model to ONNX first)", modelPath);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"{configPath}: missing (the exported folder carries the decoder's config.json)", configPath);
        DecoderConfig config = DecoderConfig.Load(configPath);
        if (options.MaxLength > config.MaxPositionEmbeddings)
            throw new ArgumentException($"RewardScorerOptions.MaxLength = {options.MaxLength}: beyond the model's max_position_embeddings " +
                                        $"{config.MaxPositionEmbeddings} ({configPath}); use at most {config.MaxPositionEmbeddings}");
        int maxLength = options.MaxLength ?? config.MaxPositionEmbeddings;
        // Any valid id will do: padded positions are masked out and never read.
        long padId = config.PadTokenId ?? (config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : 0);

        Tokenizer tokenizer = Tokenizer.Open(dir);
        InferenceSession? session = null;
        try
        {
            using var sessionOptions = new SessionOptions
            {
                IntraOpNumThreads = options.IntraOpThreads,
                InterOpNumThreads = 1,
                ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            options.Device.Configure(sessionOptions);
            try { session = new InferenceSession(modelPath, sessionOptions); }
            catch (OnnxRuntimeException ex)
            {
                // A truncated, corrupt or mismatched model.onnx / model.onnx.data: ORT's message says which part.
                string reason = ex.Message.Split('\n')[0].Trim();
                throw new InvalidDataException($"{modelPath}: ONNX Runtime cannot load this model ({reason}); export the reward model again (hybrid export)");
            }
            var binding = new OrtScoreBinding(session, padId);
            return new OnnxRewardScorer(dir, session, binding, tokenizer, options, maxLength);
        }
        catch (ArgumentException ex)
        {
            session?.Dispose();
            tokenizer.Dispose();
            throw new ArgumentException($"{modelPath}: {ex.Message}", ex);
        }
        catch
        {
            session?.Dispose();
            tokenizer.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Token ids of each text, left-truncated to <see cref="MaxLength"/>, and how many were truncated. A text that
    /// encodes to nothing or to an unknown id (−1) throws naming <paramref name="describe"/>(index).
    /// </summary>
    public (int[][] Rows, int Truncated) Tokenize(IReadOnlyList<string> texts, Func<int, string>? describe = null)
    {
        describe ??= DefaultDescribe;
        int[][] rows = Tokenizer.EncodeBatch(texts);
        int truncated = 0;
        for (int i = 0; i < rows.Length; i++)
        {
            int[] ids = rows[i];
            if (ids.Length == 0) throw new DatasetException($"{describe(i)}: the text encodes to no tokens: nothing to score");
            int bad = Array.IndexOf(ids, -1);
            if (bad >= 0) throw new DatasetException($"{describe(i)}: token {bad} is a character {Tokenizer.Folder}'s vocabulary cannot encode (id -1)");
            if (ids.Length > MaxLength)
            {
                rows[i] = ids[^MaxLength..];
                truncated++;
            }
        }
        return (rows, truncated);
    }

    /// <summary>Scores token rows (each 1…MaxLength ids); results in input order.</summary>
    public float[] ScoreTokens(IReadOnlyList<int[]> rows, Action<int>? progress = null) => ScoreTokens(rows, progress, out _);

    public RewardScores Score(IReadOnlyList<string> texts, Action<int>? progress = null, Func<int, string>? describe = null)
    {
        (int[][] rows, int truncated) = Tokenize(texts, describe);
        float[] scores = ScoreTokens(rows, progress, out long padded);
        return new RewardScores(scores, truncated, rows.Sum(r => (long)r.Length), padded);
    }

    public void Dispose()
    {
        _binding.Dispose();
        _session.Dispose();
        Tokenizer.Dispose();
    }

    private float[] ScoreTokens(IReadOnlyList<int[]> rows, Action<int>? progress, out long paddedTokens)
    {
        var scores = new float[rows.Count];
        var lengths = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            lengths[i] = rows[i].Length;
            if (lengths[i] > MaxLength) throw new ArgumentException($"row {i} has {lengths[i]} tokens, over MaxLength {MaxLength}; truncate it (Tokenize does)", nameof(rows));
        }
        paddedTokens = 0;
        int done = 0;
        var batch = new List<int[]>(Options.BatchSize);
        foreach (int[] indices in LengthBatches.Plan(lengths, Options.BatchSize))
        {
            batch.Clear();
            foreach (int i in indices) batch.Add(rows[i]);
            ReadOnlySpan<float> batchScores = _binding.Run(batch);            // [b] in batch order
            for (int k = 0; k < indices.Length; k++) scores[indices[k]] = batchScores[k];
            paddedTokens += (long)indices.Length * lengths[indices[0]];      // the first row of a batch is its longest
            done += indices.Length;
            progress?.Invoke(done);
        }
        return scores;
    }

    private static string DefaultDescribe(int index) => $"text {index}";
}
