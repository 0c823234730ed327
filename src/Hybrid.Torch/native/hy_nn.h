// Composite neural-network routines shared by the exported entry points (hy_nn.cpp) and the pure C++ bench (hy_bench.cpp).
#pragma once
#include <ATen/ATen.h>
#include <vector>

namespace hy {

// RMSNorm: y = x / sqrt(mean(x^2, -1) + eps) * weight, computed in at least float32 (bf16/f16 are upcast, f64 stays)
// and cast back to x's dtype before the weight multiply, as Hugging Face's Llama/Qwen2 RMSNorm does.
inline at::Tensor rms_norm(const at::Tensor& x, const at::Tensor& weight, double eps) {
  at::Tensor xf = x.to(at::promote_types(x.scalar_type(), at::kFloat));
  at::Tensor inv = at::rsqrt(xf.pow(2).mean({-1}, /*keepdim=*/true).add(eps));  // [..., 1]
  return xf.mul(inv).to(x.scalar_type()).mul(weight);
}

// AdamW (Loshchilov & Hutter 2019) in PyTorch's form, in place, for one step t >= 1:
//   p <- p - lr*wd*p;  m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g^2
//   p <- p - (lr / (1-b1^t)) * m / (sqrt(v) / sqrt(1-b2^t) + eps)
// Parameters without a gradient are skipped.
void adamw_step(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& exp_avg,
                const std::vector<at::Tensor>& exp_avg_sq, double lr, double beta1, double beta2, double eps,
                double weight_decay, int64_t step);

// Global-norm clipping: scales every gradient by min(1, max_norm / (||g||_2 + 1e-6)); returns ||g||_2 over all gradients.
double clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm);

}  // namespace hy
