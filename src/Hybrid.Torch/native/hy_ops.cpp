// Element-wise math, comparisons, reductions, matrix products and shape ops: one thin line over ATen each.
#include "hy_common.h"

using hy::dims;
using hy::t;
using hy::wrap;

// ---- unary ----------------------------------------------------------------------------------------------------------
HY_UNARY(neg, at::neg(x))
HY_UNARY(abs, at::abs(x))
HY_UNARY(exp, at::exp(x))
HY_UNARY(log, at::log(x))
HY_UNARY(log1p, at::log1p(x))
HY_UNARY(sqrt, at::sqrt(x))
HY_UNARY(rsqrt, at::rsqrt(x))
HY_UNARY(sigmoid, at::sigmoid(x))
HY_UNARY(log_sigmoid, at::log_sigmoid(x))
HY_UNARY(silu, at::silu(x))
HY_UNARY(relu, at::relu(x))
HY_UNARY(tanh, at::tanh(x))
HY_UNARY(cos, at::cos(x))
HY_UNARY(sin, at::sin(x))
HY_UNARY(sign, at::sign(x))
HY_UNARY(logical_not, at::logical_not(x))

// ---- binary (tensor, tensor), broadcasting ---------------------------------------------------------------------------
HY_BINARY(add, at::add(x, y))
HY_BINARY(sub, at::sub(x, y))
HY_BINARY(mul, at::mul(x, y))
HY_BINARY(div, at::div(x, y))
HY_BINARY(pow, at::pow(x, y))
HY_BINARY(maximum, at::maximum(x, y))
HY_BINARY(minimum, at::minimum(x, y))
HY_BINARY(eq, at::eq(x, y))
HY_BINARY(ne, at::ne(x, y))
HY_BINARY(lt, at::lt(x, y))
HY_BINARY(le, at::le(x, y))
HY_BINARY(gt, at::gt(x, y))
HY_BINARY(ge, at::ge(x, y))
HY_BINARY(logical_and, at::logical_and(x, y))
HY_BINARY(logical_or, at::logical_or(x, y))
HY_BINARY(matmul, at::matmul(x, y))
HY_BINARY(bmm, at::bmm(x, y))

// ---- binary (tensor, scalar) -----------------------------------------------------------------------------------------
HY_SCALAR(add_scalar, at::add(x, s))
HY_SCALAR(mul_scalar, at::mul(x, s))
HY_SCALAR(div_scalar, at::div(x, s))
HY_SCALAR(rsub_scalar, at::rsub(x, s))  // s - x
HY_SCALAR(rdiv_scalar, at::mul(at::reciprocal(x), s))  // s / x
HY_SCALAR(pow_scalar, at::pow(x, s))
HY_SCALAR(eq_scalar, at::eq(x, s))
HY_SCALAR(ne_scalar, at::ne(x, s))
HY_SCALAR(lt_scalar, at::lt(x, s))
HY_SCALAR(le_scalar, at::le(x, s))
HY_SCALAR(gt_scalar, at::gt(x, s))
HY_SCALAR(ge_scalar, at::ge(x, s))

HY_API hy_tensor hy_where(hy_tensor cond, hy_tensor a, hy_tensor b) {
  HY_TRY return wrap(at::where(t(cond), t(a), t(b))); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_masked_fill(hy_tensor a, hy_tensor mask, double value) {
  HY_TRY return wrap(at::masked_fill(t(a), t(mask), value)); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_clamp(hy_tensor a, int has_min, double min, int has_max, double max) {
  HY_TRY
  TORCH_CHECK(has_min || has_max, "clamp: give a minimum, a maximum or both");
  return wrap(at::clamp(t(a), has_min ? c10::optional<at::Scalar>(min) : c10::nullopt,
                        has_max ? c10::optional<at::Scalar>(max) : c10::nullopt));
  HY_CATCH(nullptr)
}

// ---- reductions -----------------------------------------------------------------------------------------------------
HY_UNARY(sum_all, at::sum(x))
HY_UNARY(mean_all, at::mean(x))
HY_UNARY(max_all, at::max(x))
HY_UNARY(min_all, at::min(x))
HY_API hy_tensor hy_sum(hy_tensor a, const int64_t* d, int n, int keepdim) {
  HY_TRY return wrap(at::sum(t(a), dims(d, n), keepdim != 0)); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_mean(hy_tensor a, const int64_t* d, int n, int keepdim) {
  HY_TRY return wrap(at::mean(t(a), dims(d, n), keepdim != 0)); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_logsumexp(hy_tensor a, const int64_t* d, int n, int keepdim) {
  HY_TRY return wrap(at::logsumexp(t(a), dims(d, n), keepdim != 0)); HY_CATCH(nullptr)
}
// Max/min along one dim: values into *values, argmax/argmin (int64) into *indices.
HY_API int hy_max_dim(hy_tensor a, int64_t dim, int keepdim, hy_tensor* values, hy_tensor* indices) {
  HY_TRY
  auto r = at::max(t(a), dim, keepdim != 0);
  *values = wrap(std::move(std::get<0>(r)));
  *indices = wrap(std::move(std::get<1>(r)));
  return 0;
  HY_CATCH(-1)
}
HY_API int hy_min_dim(hy_tensor a, int64_t dim, int keepdim, hy_tensor* values, hy_tensor* indices) {
  HY_TRY
  auto r = at::min(t(a), dim, keepdim != 0);
  *values = wrap(std::move(std::get<0>(r)));
  *indices = wrap(std::move(std::get<1>(r)));
  return 0;
  HY_CATCH(-1)
}
HY_API hy_tensor hy_argmax(hy_tensor a, int64_t dim, int keepdim) {
  HY_TRY return wrap(at::argmax(t(a), dim, keepdim != 0)); HY_CATCH(nullptr)
}
// Standard deviation / variance over dims; unbiased divides by (n - 1) as torch.std's default, else by n.
HY_API hy_tensor hy_std(hy_tensor a, const int64_t* d, int n, int unbiased, int keepdim) {
  HY_TRY return wrap(at::std(t(a), dims(d, n), unbiased != 0, keepdim != 0)); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_var(hy_tensor a, const int64_t* d, int n, int unbiased, int keepdim) {
  HY_TRY return wrap(at::var(t(a), dims(d, n), unbiased != 0, keepdim != 0)); HY_CATCH(nullptr)
}
// Sorts along dim (stable); returns the values, the permutation into *indices.
HY_API hy_tensor hy_sort(hy_tensor a, int64_t dim, int descending, hy_tensor* indices) {
  HY_TRY
  auto r = at::sort(t(a), /*stable=*/true, dim, descending != 0);
  *indices = wrap(std::move(std::get<1>(r)));
  return wrap(std::move(std::get<0>(r)));
  HY_CATCH(nullptr)
}
HY_API hy_tensor hy_cumsum(hy_tensor a, int64_t dim) { HY_TRY return wrap(at::cumsum(t(a), dim)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_softmax(hy_tensor a, int64_t dim) { HY_TRY return wrap(at::softmax(t(a), dim)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_log_softmax(hy_tensor a, int64_t dim) { HY_TRY return wrap(at::log_softmax(t(a), dim)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_topk(hy_tensor a, int64_t k, int64_t dim, hy_tensor* indices) {
  HY_TRY
  auto r = at::topk(t(a), k, dim);
  *indices = wrap(std::move(std::get<1>(r)));
  return wrap(std::move(std::get<0>(r)));
  HY_CATCH(nullptr)
}

// ---- shape ----------------------------------------------------------------------------------------------------------
HY_API hy_tensor hy_reshape(hy_tensor a, const int64_t* s, int n) { HY_TRY return wrap(at::reshape(t(a), dims(s, n))); HY_CATCH(nullptr) }
HY_API hy_tensor hy_view(hy_tensor a, const int64_t* s, int n) { HY_TRY return wrap(t(a).view(dims(s, n))); HY_CATCH(nullptr) }
HY_API hy_tensor hy_expand(hy_tensor a, const int64_t* s, int n) { HY_TRY return wrap(t(a).expand(dims(s, n))); HY_CATCH(nullptr) }
HY_API hy_tensor hy_permute(hy_tensor a, const int64_t* s, int n) { HY_TRY return wrap(t(a).permute(dims(s, n))); HY_CATCH(nullptr) }
HY_API hy_tensor hy_repeat(hy_tensor a, const int64_t* s, int n) { HY_TRY return wrap(t(a).repeat(dims(s, n))); HY_CATCH(nullptr) }
HY_API hy_tensor hy_transpose(hy_tensor a, int64_t d0, int64_t d1) { HY_TRY return wrap(at::transpose(t(a), d0, d1)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_flatten(hy_tensor a, int64_t start, int64_t end) { HY_TRY return wrap(at::flatten(t(a), start, end)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_squeeze(hy_tensor a, int64_t dim) { HY_TRY return wrap(at::squeeze(t(a), dim)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_unsqueeze(hy_tensor a, int64_t dim) { HY_TRY return wrap(at::unsqueeze(t(a), dim)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_slice(hy_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step) {
  HY_TRY return wrap(at::slice(t(a), dim, start, end, step)); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_select(hy_tensor a, int64_t dim, int64_t index) { HY_TRY return wrap(at::select(t(a), dim, index)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_index_select(hy_tensor a, int64_t dim, hy_tensor index) {
  HY_TRY return wrap(at::index_select(t(a), dim, t(index))); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_gather(hy_tensor a, int64_t dim, hy_tensor index) { HY_TRY return wrap(at::gather(t(a), dim, t(index))); HY_CATCH(nullptr) }
HY_API hy_tensor hy_scatter(hy_tensor a, int64_t dim, hy_tensor index, hy_tensor src) {
  HY_TRY return wrap(at::scatter(t(a), dim, t(index), t(src))); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_scatter_add(hy_tensor a, int64_t dim, hy_tensor index, hy_tensor src) {
  HY_TRY return wrap(at::scatter_add(t(a), dim, t(index), t(src))); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_triu(hy_tensor a, int64_t diagonal) { HY_TRY return wrap(at::triu(t(a), diagonal)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_tril(hy_tensor a, int64_t diagonal) { HY_TRY return wrap(at::tril(t(a), diagonal)); HY_CATCH(nullptr) }

static std::vector<at::Tensor> list(const hy_tensor* hs, int n) {
  TORCH_CHECK(n > 0, "an empty tensor list");
  std::vector<at::Tensor> v;
  v.reserve((size_t)n);
  for (int i = 0; i < n; i++) v.push_back(t(hs[i]));
  return v;
}
HY_API hy_tensor hy_cat(const hy_tensor* hs, int n, int64_t dim) { HY_TRY return wrap(at::cat(list(hs, n), dim)); HY_CATCH(nullptr) }
HY_API hy_tensor hy_stack(const hy_tensor* hs, int n, int64_t dim) { HY_TRY return wrap(at::stack(list(hs, n), dim)); HY_CATCH(nullptr) }
