// RlTrainer's resumable checkpoints: what it writes every --save-steps iterations, and how a resumed run picks them up.
using Hybrid.Tensors.Optim;
using Hybrid.Tensors.Serialization;
using Hybrid.Training.Data;
using Hybrid.Training.Loop;

namespace Hybrid.Training.Rl;

public sealed partial class RlTrainer
{
    /// <summary>
    /// Writes <c>checkpoint-{iteration}</c> beside the run's output: the policy as <see cref="Online.OnlinePolicy.Save"/>
    /// writes its final model (a checkpoint folder, or a PEFT adapter under LoRA), the actor's AdamW moments, the critic
    /// and its moments (PPO), <see cref="RlState"/>, and an async run's batches collected ahead (<paramref name="ahead"/>,
    /// after which the prompt order stands at <paramref name="aheadCursor"/>), through <see cref="CheckpointFolder"/>.
    /// </summary>
    private void SaveCheckpoint(int iteration, (int Epoch, int Index) cursor, IReadOnlyList<(int Iteration, RolloutRound Batch)> ahead, (int Epoch, int Index) aheadCursor,
        (int Epoch, int Index) ptxCursor, double? before, AdamW actorOptimizer, IReadOnlyList<string> actorNames, AdamW? criticOptimizer)
    {
        RlCheckpointing k = _checkpointing!;
        CheckpointFolder.Write(k.OutputDir, iteration, temp =>
        {
            _policy.Save(temp);
            OptimizerCheckpoint.Save(temp, actorOptimizer, actorNames);
            if (Critic is not null)
            {
                var named = Critic.named_parameters().ToList();
                SafeTensors.Save(Path.Combine(temp, RlCheckpointFiles.Critic), named.Select(p => new KeyValuePair<string, Tensor>(p.name, p.parameter)));
                string criticOptimizerDir = Directory.CreateDirectory(Path.Combine(temp, RlCheckpointFiles.CriticOptimizerDir)).FullName;
                OptimizerCheckpoint.Save(criticOptimizerDir, criticOptimizer!, named.Select(p => p.name).ToList());
            }
            if (ahead.Count > 0) SaveAhead(temp, ahead);
            new RlState(iteration, _config.Iterations, _config.Seed, _axes.PresetName, _policy.Version, cursor.Epoch, cursor.Index, ptxCursor.Epoch, ptxCursor.Index,
                Convert.ToBase64String(TensorUtil.GetRngState()), _axes.KlCoefficient?.Value ?? 0, _guard.SkippedSteps, _guard.ConsecutiveSkips, _guard.Steps,
                before, k.DataRows, k.DataSha256, _axes.Ghpo is null ? null : new Dictionary<string, int>(_axes.Ghpo.Stages, StringComparer.Ordinal),
                ahead.Count, aheadCursor.Epoch, aheadCursor.Index).Save(temp);
        }, Log, "rl", k.SaveTotalLimit);
    }

    /// <summary>
    /// Puts a resumed run where <paramref name="state"/> left it: optimizer moments, critic, prompt and ptx cursors,
    /// libtorch's generator, β, GHPO's stages and the skip counts. Returns the cursors, the held-out reward measured
    /// before the first iteration (not measured again) and the batches an async run had collected ahead, when this run's
    /// staleness bound admits them (else null: they are sampled again, with the current weights).
    /// </summary>
    private (DataOrder Order, DataOrder? PtxOrder, double? Before, List<RolloutRound>? Ahead) Restore(RlState state, string dir, AdamW actorOptimizer,
        IReadOnlyList<string> actorNames, AdamW? criticOptimizer)
    {
        OptimizerCheckpoint.Load(dir, actorOptimizer, actorNames);
        if (Critic is not null)
        {
            string path = Path.Combine(dir, RlCheckpointFiles.Critic);
            if (!File.Exists(path)) throw new Hybrid.Models.Checkpoints.CheckpointException($"{path}: not found; the checkpoint has no critic (was it written by another preset?)");
            Dictionary<string, Tensor> saved = SafeTensors.Load(path);
            try { Critic.LoadStateDict(saved); }
            finally { foreach (Tensor t in saved.Values) t.Dispose(); }
            OptimizerCheckpoint.Load(Path.Combine(dir, RlCheckpointFiles.CriticOptimizerDir), criticOptimizer!, Critic.named_parameters().Select(p => p.name).ToList());
        }
        if (state.Index > _prompts.Count)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint stopped at prompt {state.Index} of an epoch, but --data has {_prompts.Count} rows");
        if (state.AheadIndex > _prompts.Count)
            throw new ArgumentException($"--resume-from {dir}: the checkpoint's batches collected ahead end at prompt {state.AheadIndex} of an epoch, but --data has {_prompts.Count} rows");
        bool useAhead = UsesAhead(state, _config);
        if (state.AheadBatches > 0 && !useAhead)
            Log?.WriteLine($"[rl] the checkpoint's {state.AheadBatches} batch(es) collected ahead are older than this run's staleness bound ({_config.StalenessBound}) " +
                           "allows: sampled again with the checkpoint's weights");
        List<RolloutRound>? ahead = useAhead ? LoadAhead(dir, state.Iteration + 1, state.AheadBatches) : null;
        var order = useAhead ? new DataOrder(_prompts.Count, _config.Seed, shuffle: true, state.AheadEpoch, state.AheadIndex)
                             : new DataOrder(_prompts.Count, _config.Seed, shuffle: true, state.Epoch, state.Index);
        var ptxOrder = Ptx is null ? null : new DataOrder(Ptx.Count, _config.Seed + 1, shuffle: true, state.PtxEpoch, Math.Min(state.PtxIndex, Ptx.Count));
        TensorUtil.SetRngState(Convert.FromBase64String(state.RngState));
        _axes.KlCoefficient?.Restore(state.KlCoefficient);
        if (state.GhpoStages is not null) _axes.Ghpo?.Restore(state.GhpoStages);
        _guard.Restore(state.GuardSteps, state.SkippedSteps, state.ConsecutiveSkips);
        return (order, ptxOrder, state.EvalBefore, ahead);
    }
}
