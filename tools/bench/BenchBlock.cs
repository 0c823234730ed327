// A one-block decoder language model (d=128 by default) whose training step the bench runs from C# and from C++.
using Hybrid.Torch;
using Hybrid.Torch.NN;
using Hybrid.Torch.Optim;
using F = Hybrid.Torch.NN.Functional;

namespace Hybrid.Bench;

/// <summary>
/// Embedding → RMSNorm → causal multi-head attention → residual → RMSNorm → SwiGLU MLP → residual → RMSNorm → LM head.
/// Its parameters are registered in exactly the order <c>hy_bench_block_cpp</c> (native/hy_bench.cpp) expects, and
/// <see cref="Loss"/> issues the same ATen ops in the same order, so both sides produce identical losses.
/// </summary>
internal sealed class BenchBlock : Module
{
    private readonly int _heads;
    private readonly Embedding _embed;
    private readonly RMSNorm _attnNorm, _mlpNorm, _finalNorm;
    private readonly Linear _wq, _wk, _wv, _wo, _gate, _up, _down, _lmHead;

    public BenchBlock(int vocab, int dim, int ffn, int heads)
    {
        _heads = heads;
        _embed = RegisterModule("embed", new Embedding(vocab, dim));
        _attnNorm = RegisterModule("attn_norm", new RMSNorm(dim));
        _wq = RegisterModule("wq", new Linear(dim, dim, bias: false));
        _wk = RegisterModule("wk", new Linear(dim, dim, bias: false));
        _wv = RegisterModule("wv", new Linear(dim, dim, bias: false));
        _wo = RegisterModule("wo", new Linear(dim, dim, bias: false));
        _mlpNorm = RegisterModule("mlp_norm", new RMSNorm(dim));
        _gate = RegisterModule("w_gate", new Linear(dim, ffn, bias: false));
        _up = RegisterModule("w_up", new Linear(dim, ffn, bias: false));
        _down = RegisterModule("w_down", new Linear(ffn, dim, bias: false));
        _finalNorm = RegisterModule("final_norm", new RMSNorm(dim));
        _lmHead = RegisterModule("lm_head", new Linear(dim, vocab, bias: false));
    }

    /// <summary>Mean next-token cross-entropy. tokens, targets: [B, T] int64; causal: [T, T] bool, true above the diagonal.</summary>
    public Tensor Loss(Tensor tokens, Tensor targets, Tensor causal)
    {
        long b = tokens.Size(0), t = tokens.Size(1), d = _embed.Weight.Size(1), v = _embed.Weight.Size(0), dh = d / _heads;
        Tensor x = _embed.Forward(tokens);                                                 // [B,T,D]
        Tensor h = _attnNorm.Forward(x);                                                   // [B,T,D]
        Tensor q = _wq.Forward(h).View(b, t, _heads, dh).Transpose(1, 2);                  // [B,H,T,Dh]
        Tensor k = _wk.Forward(h).View(b, t, _heads, dh).Transpose(1, 2);                  // [B,H,T,Dh]
        Tensor val = _wv.Forward(h).View(b, t, _heads, dh).Transpose(1, 2);                // [B,H,T,Dh]
        Tensor s = q.MatMul(k.Transpose(-2, -1)).Mul(1.0 / Math.Sqrt(dh));                 // [B,H,T,T]
        Tensor a = s.MaskedFill(causal, double.NegativeInfinity).Softmax(-1);              // [B,H,T,T]
        Tensor o = a.MatMul(val).Transpose(1, 2).Reshape(b, t, d);                         // [B,T,D]
        x = x + _wo.Forward(o);
        h = _mlpNorm.Forward(x);
        x = x + _down.Forward(_gate.Forward(h).Silu() * _up.Forward(h));                   // [B,T,D]
        Tensor logits = _lmHead.Forward(_finalNorm.Forward(x));                            // [B,T,V]
        return F.CrossEntropy(logits.View(b * t, v), targets.View(b * t));
    }

    /// <summary>One training step as a user writes it: scope, forward, backward, clip 1.0, AdamW, zero grad. Returns the loss.</summary>
    public float TrainStep(AdamW optimizer, Tensor tokens, Tensor targets, Tensor causal)
    {
        using var scope = LibTorch.NewScope();
        Tensor loss = Loss(tokens, targets, causal);
        loss.Backward();
        GradientClipping.ClipGradNorm(optimizer.Parameters, 1.0);
        optimizer.Step();
        optimizer.ZeroGrad();
        return (float)loss.Item();
    }
}
