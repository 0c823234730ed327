// The bench's training step written as pure C++ on ATen: the yardstick for the same step driven from C# (tools/bench).
#include "hy_common.h"
#include "hy_nn.h"

#include <cmath>

// Parameter order (shared with the C# bench model):
//   0 embed [V,D]  1 attn_norm [D]  2 wq [D,D]  3 wk [D,D]  4 wv [D,D]  5 wo [D,D]
//   6 mlp_norm [D]  7 w_gate [F,D]  8 w_up [F,D]  9 w_down [D,F]  10 final_norm [D]  11 lm_head [V,D]
static at::Tensor block_loss(const std::vector<at::Tensor>& p, const at::Tensor& tokens, const at::Tensor& targets,
                             const at::Tensor& causal, int64_t heads) {
  const int64_t B = tokens.size(0), T = tokens.size(1), D = p[0].size(1), Dh = D / heads, V = p[0].size(0);
  const double eps = 1e-6;
  at::Tensor x = at::embedding(p[0], tokens);                                         // [B,T,D]
  at::Tensor h = hy::rms_norm(x, p[1], eps);                                          // [B,T,D]
  at::Tensor q = at::linear(h, p[2]).view({B, T, heads, Dh}).transpose(1, 2);         // [B,H,T,Dh]
  at::Tensor k = at::linear(h, p[3]).view({B, T, heads, Dh}).transpose(1, 2);         // [B,H,T,Dh]
  at::Tensor v = at::linear(h, p[4]).view({B, T, heads, Dh}).transpose(1, 2);         // [B,H,T,Dh]
  at::Tensor s = at::matmul(q, k.transpose(-2, -1)).mul(1.0 / std::sqrt((double)Dh)); // [B,H,T,T]
  at::Tensor a = at::softmax(s.masked_fill(causal, -INFINITY), -1);                   // [B,H,T,T]
  at::Tensor o = at::matmul(a, v).transpose(1, 2).reshape({B, T, D});                 // [B,T,D]
  x = x.add(at::linear(o, p[5]));
  h = hy::rms_norm(x, p[6], eps);
  x = x.add(at::linear(at::silu(at::linear(h, p[7])).mul(at::linear(h, p[8])), p[9]));
  at::Tensor logits = at::linear(hy::rms_norm(x, p[10], eps), p[11]);                 // [B,T,V]
  return at::cross_entropy_loss(logits.view({B * T, V}), targets.view({B * T}), c10::nullopt, 1, -100, 0.0);
}

// Runs `steps` training steps (forward, backward, clip 1.0, AdamW, zero grad) on the given parameters in place and
// writes each step's loss. exp_avg/exp_avg_sq are created here, zeroed, as a fresh optimizer would.
HY_API int hy_bench_block_cpp(const hy_tensor* params, int n, hy_tensor tokens, hy_tensor targets, int64_t heads, int steps,
                              double lr, double weight_decay, float* losses) {
  HY_TRY
  TORCH_CHECK(n == 12, "bench block expects 12 parameters, got ", n);
  std::vector<at::Tensor> p, m, v;
  for (int i = 0; i < n; i++) {
    p.push_back(hy::t(params[i]));
    m.push_back(at::zeros_like(p.back()));
    v.push_back(at::zeros_like(p.back()));
  }
  const int64_t T = hy::t(tokens).size(1);
  at::Tensor causal = at::ones({T, T}, at::kBool).triu(1);  // [T,T] true above the diagonal = masked
  for (int i = 0; i < steps; i++) {
    at::Tensor loss = block_loss(p, hy::t(tokens), hy::t(targets), causal, heads);
    loss.backward();
    hy::clip_grad_norm(p, 1.0);
    hy::adamw_step(p, m, v, lr, 0.9, 0.999, 1e-8, weight_decay, i + 1);
    for (auto& x : p) x.mutable_grad().reset();
    losses[i] = loss.item<float>();
  }
  return 0;
  HY_CATCH(-1)
}
