// Neural-network functions (embedding, linear, RMSNorm, cross-entropy) and the optimizer kernels (AdamW, clipping).
#include "hy_common.h"
#include "hy_nn.h"

#include <c10/core/GradMode.h>
#include <cmath>

using hy::t;
using hy::wrap;

HY_API hy_tensor hy_embedding(hy_tensor weight, hy_tensor indices) {
  HY_TRY return wrap(at::embedding(t(weight), t(indices))); HY_CATCH(nullptr)
}
// y = x W^T (+ b); bias may be null.
HY_API hy_tensor hy_linear(hy_tensor x, hy_tensor weight, hy_tensor bias_or_null) {
  HY_TRY
  return wrap(at::linear(t(x), t(weight), bias_or_null ? c10::optional<at::Tensor>(t(bias_or_null)) : c10::nullopt));
  HY_CATCH(nullptr)
}
HY_API hy_tensor hy_rms_norm(hy_tensor x, hy_tensor weight, double eps) {
  HY_TRY return wrap(hy::rms_norm(t(x), t(weight), eps)); HY_CATCH(nullptr)
}
// logits [N, C], target [N] int64; reduction 0 none, 1 mean (over non-ignored targets), 2 sum.
HY_API hy_tensor hy_cross_entropy(hy_tensor logits, hy_tensor target, int64_t ignore_index, int reduction, double label_smoothing) {
  HY_TRY
  TORCH_CHECK(reduction >= 0 && reduction <= 2, "cross_entropy: reduction code ", reduction, " is not 0, 1 or 2");
  return wrap(at::cross_entropy_loss(t(logits), t(target), c10::nullopt, reduction, ignore_index, label_smoothing));
  HY_CATCH(nullptr)
}
HY_API hy_tensor hy_dropout(hy_tensor x, double p, int train) { HY_TRY return wrap(at::dropout(t(x), p, train != 0)); HY_CATCH(nullptr) }

void hy::adamw_step(const std::vector<at::Tensor>& params, const std::vector<at::Tensor>& exp_avg,
                    const std::vector<at::Tensor>& exp_avg_sq, double lr, double beta1, double beta2, double eps,
                    double weight_decay, int64_t step) {
  TORCH_CHECK(step >= 1, "adamw: step must be >= 1, got ", step);
  c10::NoGradGuard no_grad;
  const double bc1 = 1.0 - std::pow(beta1, (double)step);
  const double bc2 = 1.0 - std::pow(beta2, (double)step);
  const double step_size = lr / bc1;
  const double bc2_sqrt = std::sqrt(bc2);
  for (size_t i = 0; i < params.size(); i++) {
    const at::Tensor& p = params[i];
    const at::Tensor& g = p.grad();
    if (!g.defined()) continue;
    if (weight_decay != 0.0) p.mul_(1.0 - lr * weight_decay);
    exp_avg[i].mul_(beta1).add_(g, 1.0 - beta1);
    exp_avg_sq[i].mul_(beta2).addcmul_(g, g, 1.0 - beta2);
    at::Tensor denom = exp_avg_sq[i].sqrt().div_(bc2_sqrt).add_(eps);
    p.addcdiv_(exp_avg[i], denom, -step_size);
  }
}

double hy::clip_grad_norm(const std::vector<at::Tensor>& params, double max_norm) {
  c10::NoGradGuard no_grad;
  std::vector<at::Tensor> norms;
  for (const auto& p : params)
    if (p.grad().defined()) {
      const at::Tensor g = p.grad().detach();  // norm in at least float32 (bf16 grads upcast), gathered as float64
      norms.push_back(g.to(at::promote_types(g.scalar_type(), at::kFloat)).norm(2).to(at::kDouble));
    }
  if (norms.empty()) return 0.0;
  const double total = at::stack(norms).norm(2).item<double>();
  const double coef = max_norm / (total + 1e-6);
  if (coef < 1.0)
    for (const auto& p : params)
      if (p.grad().defined()) p.grad().mul_(coef);
  return total;
}

static std::vector<at::Tensor> vec(const hy_tensor* hs, int n) {
  std::vector<at::Tensor> v;
  v.reserve((size_t)n);
  for (int i = 0; i < n; i++) v.push_back(t(hs[i]));
  return v;
}

HY_API int hy_adamw_step(const hy_tensor* params, const hy_tensor* exp_avg, const hy_tensor* exp_avg_sq, int n, double lr,
                         double beta1, double beta2, double eps, double weight_decay, int64_t step) {
  HY_TRY
  hy::adamw_step(vec(params, n), vec(exp_avg, n), vec(exp_avg_sq, n), lr, beta1, beta2, eps, weight_decay, step);
  return 0;
  HY_CATCH(-1)
}

HY_API int hy_clip_grad_norm(const hy_tensor* params, int n, double max_norm, double* total_norm) {
  HY_TRY *total_norm = hy::clip_grad_norm(vec(params, n), max_norm); return 0; HY_CATCH(-1)
}

HY_API int hy_zero_grad(const hy_tensor* params, int n) {
  HY_TRY
  for (int i = 0; i < n; i++) t(params[i]).mutable_grad().reset();
  return 0;
  HY_CATCH(-1)
}
