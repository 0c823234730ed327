// The optimizer-step bookkeeping of the SFT, preference and reward-model trainers: steps, schedule, data order, resume, checkpoints.
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;

namespace Hybrid.Training.Loop;

/// <summary>
/// One loop for every offline trainer (SFT, preference, reward model), built from <see cref="DataOrder"/>,
/// <see cref="WarmupCosineSchedule"/>, <see cref="TrainerState"/> and <see cref="OptimizerCheckpoint"/>: total steps =
/// <c>maxSteps</c> or epochs × ⌈⌈rows / batch⌉ / accumulation⌉; a step takes up to <c>accumulation</c> micro-batches and an
/// epoch's last step may take fewer; a checkpoint stores step, data position, token count, seed, libtorch's generator and
/// the AdamW moments, which is everything a run needs to continue bit for bit.
/// </summary>
internal sealed class TrainingLoop
{
    private readonly int _rows, _batchSize, _accumulation;
    private readonly ulong _seed;
    private readonly bool _shuffle;

    public TrainingLoop(int rows, int batchSize, int accumulation, int epochs, int maxSteps, double warmupRatio, double learningRate, ulong seed, bool shuffle)
    {
        (_rows, _batchSize, _accumulation, _seed, _shuffle) = (rows, batchSize, accumulation, seed, shuffle);
        long microBatchesPerEpoch = (rows + batchSize - 1) / batchSize;
        long stepsPerEpoch = (microBatchesPerEpoch + accumulation - 1) / accumulation;
        TotalSteps = maxSteps > 0 ? maxSteps : stepsPerEpoch * epochs;
        Schedule = new WarmupCosineSchedule(learningRate, (long)Math.Ceiling(warmupRatio * TotalSteps), TotalSteps);
        Order = new DataOrder(rows, seed, shuffle);
    }

    public long TotalSteps { get; }

    /// <summary>SHA-256 of the training file (<c>DatasetFile.Sha256</c>), recorded in checkpoints and checked on resume; null: not checked.</summary>
    public string? DataSha256 { get; init; }
    public WarmupCosineSchedule Schedule { get; }
    public DataOrder Order { get; private set; }

    /// <summary>Optimizer steps done so far.</summary>
    public long Step { get; private set; }

    /// <summary>Tokens fed to the model so far (prompt + response of every sequence, without padding).</summary>
    public long NumTokens { get; private set; }

    public bool Done => Step >= TotalSteps;

    /// <summary>Fractional epoch, as transformers logs it.</summary>
    public double Epoch => Order.Epoch + (double)Order.Index / _rows;

    public double LearningRate => Schedule.LearningRateAt(Step);

    /// <summary>Continues from <paramref name="dir"/>'s trainer state and optimizer moments; the run's settings must match the checkpoint's.</summary>
    public void Resume(string dir, AdamW optimizer, IReadOnlyList<string> parameterNames)
    {
        TrainerState state = TrainerState.Load(dir);
        state.CheckResumable(dir, TotalSteps, _seed, _rows, DataSha256);
        OptimizerCheckpoint.Load(dir, optimizer, parameterNames);
        Order = new DataOrder(_rows, _seed, _shuffle, state.Epoch, state.Index);
        (Step, NumTokens) = (state.GlobalStep, state.NumTokens);
        TensorUtil.SetRngState(Convert.FromBase64String(state.RngState));
    }

    /// <summary>The row indices of the next step's micro-batches.</summary>
    public List<int[]> NextStep()
    {
        var microBatches = new List<int[]>();
        for (int m = 0; m < _accumulation; m++)
        {
            if (Order.EpochDone)
            {
                if (microBatches.Count > 0) break;   // an epoch's last step may accumulate fewer micro-batches
                Order.NextEpoch();
            }
            microBatches.Add(Order.NextBatch(_batchSize));
        }
        return microBatches;
    }

    /// <summary>Records a finished step that fed <paramref name="tokens"/> tokens.</summary>
    public void Completed(long tokens)
    {
        Step++;
        NumTokens += tokens;
    }

    public TrainerState State() =>
        new(Step, TotalSteps, Order.Epoch, Order.Index, NumTokens, _seed, Convert.ToBase64String(TensorUtil.GetRngState()), _rows, DataSha256);

    /// <summary>
    /// Writes a resumable <c>checkpoint-{step}</c> folder (<see cref="CheckpointFolder"/>): <paramref name="saveModel"/>
    /// writes the weights, then optimizer moments and trainer state join them; the oldest beyond <paramref name="keep"/> go.
    /// </summary>
    public void SaveCheckpoint(string outputDir, Action<string> saveModel, AdamW optimizer, IReadOnlyList<string> parameterNames, TextWriter? log, string tag,
        int? keep = null) =>
        CheckpointFolder.Write(outputDir, Step, temp =>
        {
            saveModel(temp);
            OptimizerCheckpoint.Save(temp, optimizer, parameterNames);
            State().Save(temp);
        }, log, tag, keep);
}
