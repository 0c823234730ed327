// Offline preference optimisation (DPO family, KTO, ORPO, SimPO, RRHF…) of a Hugging Face decoder checkpoint: loop, eval, checkpoints, resume.
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using Hybrid.Data;
using System.Diagnostics;
using Hybrid.Algorithms.Preference;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Decoder;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Metrics;
using Hybrid.Training.Stability;
using Hybrid.Training.Output;

namespace Hybrid.Training.Preference;

/// <summary>What a finished run reports. <see cref="ReferenceRowsComputed"/> counts rows whose reference log-probs were
/// computed (once per dataset when precomputed); <see cref="ReferenceModelsLoaded"/> counts separate reference models built.</summary>
public sealed record PreferenceResult(long Steps, double TrainLoss, PreferenceEvaluation? InitialEval, PreferenceEvaluation? FinalEval,
    long ReferenceRowsComputed, int ReferenceModelsLoaded, long NumTokens, double Seconds, string OutputDir, BestEvaluation? Best = null);

/// <summary>
/// Optimises <see cref="PreferenceConfig.ModelPath"/> on preference data with an <see cref="IPreferenceLoss"/>, with the
/// SFT trainer's machinery (AdamW, warm-up + cosine, clipping, accumulation, <c>checkpoint-{step}</c> folders, bit-exact
/// resume). Each step runs <see cref="PreferenceStep.Run"/>. Reference log-probs come from the initial model, computed once
/// per dataset before the first step (or from a live reference model, <see cref="PreferenceConfig.PrecomputeRefLogProbs"/>
/// = false); a reference-free loss never computes them. Logs the loss's TRL-named metrics (<c>rewards/chosen</c>,
/// <c>rewards/rejected</c>, <c>rewards/margins</c>, <c>rewards/accuracies</c>, <c>logps/chosen</c>, <c>logps/rejected</c>,
/// …) with <c>loss</c>, <c>grad_norm</c>, <c>learning_rate</c>, <c>num_tokens</c>, <c>epoch</c>, and <c>eval_*</c> to
/// <c>{OutputDir}/metrics.jsonl</c>. Every row is read and tokenized before anything is written, so a bad row fails the run
/// with its file, line and field and leaves no output behind.
/// </summary>
public sealed class PreferenceTrainer(PreferenceConfig config, TextWriter? log = null, IPreferenceLoss? loss = null)
{
    private readonly PreferenceConfig _config = config.Validate();
    private long _referenceRows;
    private int _referenceModels;

    public PreferenceResult Train()
    {
        PreferenceConfig c = _config;
        using var onDevice = c.UseDeviceAndPrecision();   // models and batches are created on --device; bf16 autocast with --bf16
        (_referenceRows, _referenceModels) = (0, 0);
        IPreferenceLoss lossFn = loss ?? c.CreateLoss();

        // ---- data: read and tokenize everything first ------------------------------------------------------------------
        using Tokenizer tokenizer = Tokenizer.Open(c.ModelPath);
        int eos = tokenizer.EosTokenId ?? throw new InvalidOperationException($"{c.ModelPath}: the tokenizer names no eos_token");
        int pad = tokenizer.PadTokenId ?? eos;
        var tokenize = new PreferenceTokenizer(tokenizer.Encode, eos, c.MaxLength, c.MaxPromptLength);
        List<TokenizedPreference> train = PreferenceRows.ForTraining(c.TrainData, lossFn, tokenize);
        List<TokenizedPreference>? eval = c.EvalData is null ? null : PreferenceRows.ForEvaluation(c.EvalData, lossFn, tokenize);

        // ---- policy, reference log-probs, optimizer, position ----------------------------------------------------------
        using DecoderModel policy = CausalLmCheckpoint.LoadForTraining(c, "preference training", out GenerationConfig? generation);
        float[][]? trainRef = null, evalRef = null;
        DecoderModel? liveReference = null;
        try
        {
            if (lossFn.NeedsReference && c.PrecomputeRefLogProbs) (trainRef, evalRef) = PrecomputeReference(policy, train, eval, pad);
            else if (lossFn.NeedsReference) liveReference = LoadReference();
            if (c.LoadBestModelAtEnd && eval is not null)
            {
                // What an evaluation logs depends on the loss and the rows: the metric is checked against the first few held-out
                // rows' evaluation now, before the output folder is claimed, rather than at the first evaluation.
                List<TokenizedPreference> probe = eval.Take(c.BatchSize).ToList();
                c.CheckBestModelMetric(Evaluate(policy, liveReference, lossFn, probe, evalRef?.Take(probe.Count).ToArray(), pad, 0, metrics: null).Row.Keys);
            }

            var (trainable, names) = CausalLmCheckpoint.Trainable(policy);       // every parameter, or the LoRA matrices
            using var optimizer = c.Optimizer.Create(trainable, c.LearningRate);
            using var run = TrainingRun.Start(c, "dpo", train.Count, optimizer, names, log);
            TrainingLoop loop = run.Loop;
            log?.WriteLine($"[dpo] loss {lossFn.Name}, {train.Count} {train[0].Kind.ToString().ToLowerInvariant()} rows, {loop.TotalSteps} steps of " +
                           $"{c.BatchSize}×{c.GradientAccumulationSteps} rows, {policy.ParameterCount():N0} parameters, reference: " +
                           (!lossFn.NeedsReference ? "none" : liveReference is null ? "precomputed" : "live"));

            PreferenceEvaluation? initial = null;
            if (eval is not null && c.EvalOnStart && loop.Step == 0) initial = Evaluate(policy, liveReference, lossFn, eval, evalRef, pad, 0, run.Metrics).Result;

            // ---- the loop -------------------------------------------------------------------------------------------------
            var clock = Stopwatch.StartNew();
            double lastLoss = double.NaN;
            while (!loop.Done)
            {
                var microBatches = loop.NextStep().Select(indices =>
                {
                    var rows = indices.Select(i => train[i]).ToList();
                    float[][]? refs = trainRef is not null ? indices.Select(i => trainRef[i]).ToArray()
                        : liveReference is not null ? LiveReference(liveReference, rows, pad) : null;
                    return new PreferenceMicroBatch(rows, refs);
                }).ToList();
                double learningRate = loop.LearningRate;
                PreferenceStepMetrics s = PreferenceStep.Run(policy, optimizer, lossFn, microBatches, pad, learningRate, c.MaxGradNorm);
                run.Completed(s, s.Metrics);
                lastLoss = s.Loss;
                if (eval is not null && run.EvaluateNow)
                    run.Evaluated(Evaluate(policy, liveReference, lossFn, eval, evalRef, pad, loop.Step, run.Metrics).Row, dir => CausalLmCheckpoint.SaveTrained(dir, policy, c, generation));
                if (run.SaveNow) run.SaveCheckpoint(dir => CausalLmCheckpoint.SaveTrained(dir, policy, c, generation));
            }
            double seconds = clock.Elapsed.TotalSeconds;

            (PreferenceEvaluation Result, Dictionary<string, double> Row)? final = eval is null ? null : Evaluate(policy, liveReference, lossFn, eval, evalRef, pad, loop.Step, run.Metrics);
            run.SaveFinalModel(final?.Row, dir => CausalLmCheckpoint.SaveTrained(dir, policy, c, generation));   // the best evaluated model with LoadBestModelAtEnd
            log?.WriteLine($"[dpo] {loop.Step} steps in {seconds:F1} s; model saved to {c.OutputDir}");
            return new PreferenceResult(loop.Step, lastLoss, initial, final?.Result, _referenceRows, _referenceModels, loop.NumTokens, seconds, c.OutputDir, run.Best);
        }
        finally
        {
            liveReference?.Dispose();
        }
    }

    /// <summary>
    /// Reference log-probs of every training and held-out row, once, without gradients: from the policy itself when it is
    /// still the initial model, else from the reference checkpoint loaded for this and dropped right after.
    /// </summary>
    private (float[][] Train, float[][]? Eval) PrecomputeReference(DecoderModel policy, List<TokenizedPreference> train, List<TokenizedPreference>? eval, int pad)
    {
        bool policyIsReference = _config.ResumeFrom is null && _config.RefModelPath is null;
        DecoderModel reference = policyIsReference ? policy : LoadReference();
        try
        {
            var clock = Stopwatch.StartNew();
            float[][] trainRef = SequenceLogProbs.ComputeReference(reference, train, pad, _config.BatchSize);
            float[][]? evalRef = eval is null ? null : SequenceLogProbs.ComputeReference(reference, eval, pad, _config.BatchSize);
            _referenceRows += train.Count + (eval?.Count ?? 0);
            log?.WriteLine($"[dpo] reference log-probs of {train.Count + (eval?.Count ?? 0)} rows precomputed in {clock.Elapsed.TotalSeconds:F1} s");
            return (trainRef, evalRef);
        }
        finally
        {
            if (!policyIsReference) reference.Dispose();
        }
    }

    private DecoderModel LoadReference()
    {
        _referenceModels++;
        return CausalLmCheckpoint.Load(_config.RefModelPath ?? _config.ModelPath, "preference training", out _);
    }

    private float[][] LiveReference(DecoderModel reference, IReadOnlyList<TokenizedPreference> rows, int pad)
    {
        _referenceRows += rows.Count;
        return SequenceLogProbs.ComputeReference(reference, rows, pad, rows.Count);
    }

    /// <summary>The evaluation of <paramref name="eval"/> and its metrics row, logged at <paramref name="step"/> unless <paramref name="metrics"/> is null.</summary>
    private (PreferenceEvaluation Result, Dictionary<string, double> Row) Evaluate(DecoderModel policy, DecoderModel? liveReference, IPreferenceLoss lossFn, List<TokenizedPreference> eval,
        float[][]? evalRef, int pad, long step, MetricsLog? metrics)
    {
        float[][]? reference = evalRef;
        if (lossFn.NeedsReference && liveReference is not null)
        {
            reference = SequenceLogProbs.ComputeReference(liveReference, eval, pad, _config.BatchSize);
            _referenceRows += eval.Count;
        }
        PreferenceEvaluation result = PreferenceStep.Evaluate(policy, lossFn, eval, reference, pad, _config.BatchSize);
        Dictionary<string, double> row = EvaluationRow(result);
        metrics?.Write(step, row);
        return (result, row);
    }

    /// <summary>An evaluation's logged metrics: eval_preference_accuracy/margin (rows with comparisons), eval_loss and the loss's own.</summary>
    private static Dictionary<string, double> EvaluationRow(PreferenceEvaluation result)
    {
        var row = new Dictionary<string, double>(StringComparer.Ordinal);
        if (result.Comparisons > 0)
        {
            row["eval_preference_accuracy"] = result.Accuracy;
            row["eval_preference_margin"] = result.Margin;
        }
        if (result.Loss is double l) row["eval_loss"] = l;
        foreach (var (name, value) in result.LossMetrics)
            if (name != "loss") row[$"eval_{name}"] = value;
        return row;
    }

}
