// Settings of an online RL run (GRPO family and PPO) that are not the algorithm itself: data, sampling, optimisation, logging.
using Hybrid.Training.Loop;
using Hybrid.Training.Stability;

namespace Hybrid.Training.Rl;

/// <summary>
/// One immutable record of run settings; the algorithm (estimator × policy loss × aggregation × KL × filters …) comes
/// from a named preset (<see cref="RlAxes"/>). Defaults suit the tiny models of this repo's tests and demo; the papers'
/// values are named per field. <see cref="Validate"/> names the field, the value and the fix.
/// </summary>
public sealed record RlConfig : RunSettings
{
    /// <summary>Iterations of generate → score → … → update → sync. Default 20.</summary>
    public int Iterations { get; init; } = 20;

    /// <summary>Prompts per iteration (each sampled G times, G from the preset). Default 8.</summary>
    public int PromptsPerIteration { get; init; } = 8;

    /// <summary>Response token budget L_max (also DAPO's overlong limit when the preset shapes overlong answers). Default 16.</summary>
    public int MaxNewTokens { get; init; } = 16;

    /// <summary>Top-k for rollouts (0 = off). Default 0: RL samples the full distribution so ratios stay exact.</summary>
    public int TopK { get; init; }

    /// <summary>Top-p for rollouts (1 = off). Default 1.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Sampling temperature; null = the preset's (GRPO family 1.0; 0.8–1.0 is usual for reasoning).</summary>
    public double? Temperature { get; init; }

    /// <summary>AdamW learning rate of the actor. Default 1e-3 for tiny models (DeepSeekMath GRPO used 1e-6 on 7B; TRL PPO 1.41e-5).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW learning rate of the critic (PPO). Default 1e-3.</summary>
    public double CriticLearningRate { get; init; } = 1e-3;

    /// <summary>
    /// AdamW β₁, β₂, ε, weight decay and the warm-up (a fraction of <see cref="Iterations"/>) of the actor and the critic.
    /// Default: transformers' AdamW settings, no weight decay, no warm-up.
    /// </summary>
    public OptimizerSettings Optimizer { get; init; } = new();

    /// <summary>Global-norm gradient clipping. Default 1.0 (verl, TRL).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>
    /// bf16 mixed precision (transformers' bf16=True): matmuls and attention compute in bf16 on fp32 master weights and
    /// optimizer state; norms, softmax statistics, log-probabilities and losses stay fp32 (see <c>Hybrid.Tensors.Autocast</c>).
    /// </summary>
    public bool Bf16 { get; init; }


    /// <summary>Extra generation rounds allowed per iteration to refill groups dropped by filters (DAPO's max_num_gen_batches). Default 3.</summary>
    public int MaxGenerationRounds { get; init; } = 3;

    /// <summary>
    /// Overlap rollouts with training (verl's one-step off-policy recipe, OpenRLHF's async mode): while the trainer computes
    /// log-probs and updates on iteration k's batch, iteration k+1's batch is generated and scored on the rollout engine on
    /// a background task, with the policy version the trainer started iteration k from. The batch is then up to
    /// <see cref="MaxStaleness"/> versions behind the weights it updates; its rollout log-probs are the behaviour policy's
    /// and truncated importance sampling corrects for the gap (see <see cref="RlTrainer"/>). Helps when generation and
    /// update take similar time and each leaves cores idle. Default false (the synchronous loop).
    /// </summary>
    public bool AsyncRollout { get; init; }

    /// <summary>
    /// With <see cref="AsyncRollout"/>: the most policy versions between the version that sampled a batch and the version
    /// the update starts from (the batch's staleness, logged as <c>async/staleness</c>). Null = 1, verl's one-step
    /// off-policy (the recommended value: each extra version of lag adds off-policy error for no more overlap on one
    /// engine). 0 = no overlap: the run equals the synchronous loop bit for bit. Must be ≥ 0, and only set with
    /// <see cref="AsyncRollout"/>.
    /// </summary>
    public int? MaxStaleness { get; init; }

    /// <summary>The staleness bound in force: <see cref="MaxStaleness"/> (default 1) with <see cref="AsyncRollout"/>, else 0.</summary>
    public int StalenessBound => AsyncRollout ? MaxStaleness ?? 1 : 0;



    /// <summary>
    /// Sequences per forward/backward pass; null = a whole mini-batch at once. An optimizer step still covers its whole
    /// mini-batch: the micro-batches' gradients accumulate, each loss divided by the mini-batch's normaliser, so the step
    /// equals the unsplit one up to float rounding (verl's ppo_micro_batch_size_per_gpu, TRL's per_device_train_batch_size
    /// with gradient_accumulation_steps). The no-grad log-prob passes (π_old, π_ref, values) run in chunks of the same
    /// size. Bounds the trainer's activation memory, which otherwise grows with the whole batch (prompts × G).
    /// </summary>
    public int? MicroBatchSize { get; init; }

    /// <summary>PPO-ptx γ (InstructGPT): weight of the SFT loss on <c>ptx</c> rows mixed into each actor step; 0 = off.</summary>
    public double PtxCoefficient { get; init; }

    /// <summary>
    /// Greedy evaluation of held-out prompts every this many iterations (0 = only before and after), logged as
    /// <c>eval/reward</c> in the iteration's row (the evaluation after the last iteration too). Default 0.
    /// </summary>
    public int EvalEvery { get; init; }

    /// <summary>
    /// transformers' load_best_model_at_end for RL: the final model is the one with the highest <c>eval/reward</c> of the
    /// evaluations every <see cref="EvalEvery"/> iterations and after the last (a tie keeps the earlier), kept meanwhile in
    /// <c>best-model-{iteration}/</c> of the run's output folder; not the last weights. Needs <see cref="EvalEvery"/> &gt; 0.
    /// </summary>
    public bool LoadBestModelAtEnd { get; init; }

    /// <summary>Seed of the data order, the rollouts and libtorch. Default 42.</summary>
    public ulong Seed { get; init; } = 42;

    public RlConfig Validate()
    {
        Require(Iterations >= 1, nameof(Iterations), Iterations, "must be >= 1");
        Require(PromptsPerIteration >= 1, nameof(PromptsPerIteration), PromptsPerIteration, "must be >= 1");
        Require(MaxNewTokens >= 1, nameof(MaxNewTokens), MaxNewTokens, "must be >= 1");
        Require(TopK >= 0, nameof(TopK), TopK, "must be >= 0 (0 = off)");
        Require(TopP > 0 && TopP <= 1, nameof(TopP), TopP, "must be in (0, 1]");
        Require(Temperature is null or > 0, nameof(Temperature), Temperature!, "must be > 0 (RL needs sampling; use evaluation for greedy)");
        Require(TrainingLimits.IsValidLearningRate(LearningRate), nameof(LearningRate), LearningRate, "must be in (0, 1]");
        Require(TrainingLimits.IsValidLearningRate(CriticLearningRate), nameof(CriticLearningRate), CriticLearningRate, "must be in (0, 1]");
        Optimizer.Validate($"{nameof(RlConfig)}.{nameof(Optimizer)}");
        Require(MaxGradNorm > 0 && double.IsFinite(MaxGradNorm), nameof(MaxGradNorm), MaxGradNorm, "must be finite and > 0");
        Require(MaxGenerationRounds >= 1, nameof(MaxGenerationRounds), MaxGenerationRounds, "must be >= 1");
        Require(MaxStaleness is null or >= 0, nameof(MaxStaleness), MaxStaleness, "must be >= 0 (0 = no overlap, 1 = one-step off-policy)");
        Require(MaxStaleness is null || AsyncRollout, nameof(MaxStaleness), MaxStaleness, $"bounds the lag of overlapped rollouts only; also set {nameof(RlConfig)}.{nameof(AsyncRollout)}");
        Require(MicroBatchSize is null or >= 1, nameof(MicroBatchSize), MicroBatchSize!, "must be >= 1 (sequences per forward/backward pass)");
        Require(PtxCoefficient >= 0, nameof(PtxCoefficient), PtxCoefficient, "must be >= 0");
        Require(EvalEvery >= 0, nameof(EvalEvery), EvalEvery, "must be >= 0");
        Require(!LoadBestModelAtEnd || EvalEvery > 0, nameof(LoadBestModelAtEnd), LoadBestModelAtEnd, $"compares evaluations during the run; also set {nameof(EvalEvery)}");
        return this;
    }
}
