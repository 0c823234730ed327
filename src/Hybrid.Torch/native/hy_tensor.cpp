// Tensor lifetime, creation, metadata, data copies, dtype conversion and autograd entry points.
#include "hy_common.h"

using hy::dims;
using hy::t;
using hy::wrap;

static at::TensorOptions opts(int dtype) { return at::TensorOptions().dtype(hy::to_scalar_type(dtype)); }

// ---- creation -----------------------------------------------------------------------------------------------------------
// Copies nbytes from data into a new contiguous tensor; nbytes must equal numel * element size.
HY_API hy_tensor hy_tensor_from_data(const void* data, int64_t nbytes, int dtype, const int64_t* shape, int ndim) {
  HY_TRY
  at::Tensor out = at::empty(dims(shape, ndim), opts(dtype));
  int64_t expected = out.numel() * (int64_t)out.element_size();
  TORCH_CHECK(nbytes == expected, "from_data: ", nbytes, " bytes given for shape ", out.sizes(), " which needs ", expected);
  if (nbytes > 0) std::memcpy(out.data_ptr(), data, (size_t)nbytes);
  return wrap(std::move(out));
  HY_CATCH(nullptr)
}

HY_API hy_tensor hy_tensor_empty(const int64_t* shape, int ndim, int dtype) {
  HY_TRY return wrap(at::empty(dims(shape, ndim), opts(dtype))); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_tensor_full(const int64_t* shape, int ndim, int dtype, double value) {
  HY_TRY return wrap(at::full(dims(shape, ndim), value, opts(dtype))); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_tensor_arange(double start, double end, double step, int dtype) {
  HY_TRY return wrap(at::arange(start, end, step, opts(dtype))); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_tensor_rand(const int64_t* shape, int ndim, int dtype) {
  HY_TRY return wrap(at::rand(dims(shape, ndim), opts(dtype))); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_tensor_randn(const int64_t* shape, int ndim, int dtype) {
  HY_TRY return wrap(at::randn(dims(shape, ndim), opts(dtype))); HY_CATCH(nullptr)
}
HY_API hy_tensor hy_tensor_randint(int64_t low, int64_t high, const int64_t* shape, int ndim) {
  HY_TRY return wrap(at::randint(low, high, dims(shape, ndim), opts(2))); HY_CATCH(nullptr)
}
// Samples one index per row of a [.., C] probability tensor (multinomial, with replacement).
HY_API hy_tensor hy_tensor_multinomial(hy_tensor probs, int64_t num_samples) {
  HY_TRY return wrap(at::multinomial(t(probs), num_samples, /*replacement=*/true)); HY_CATCH(nullptr)
}

// ---- metadata -----------------------------------------------------------------------------------------------------------
HY_API int hy_tensor_ndim(hy_tensor h) { HY_TRY return (int)t(h).dim(); HY_CATCH(-1) }
HY_API int hy_tensor_shape(hy_tensor h, int64_t* out, int capacity) {
  HY_TRY
  const at::Tensor& x = t(h);
  TORCH_CHECK(x.dim() <= capacity, "shape: ", x.dim(), " dims do not fit in ", capacity);
  for (int64_t i = 0; i < x.dim(); i++) out[i] = x.size(i);
  return (int)x.dim();
  HY_CATCH(-1)
}
HY_API int hy_tensor_dtype(hy_tensor h) { HY_TRY return hy::from_scalar_type(t(h).scalar_type()); HY_CATCH(-1) }
HY_API int64_t hy_tensor_numel(hy_tensor h) { HY_TRY return t(h).numel(); HY_CATCH(-1) }

// ---- data -----------------------------------------------------------------------------------------------------------
// Copies the tensor's elements (row-major, its own dtype) into dst, which holds exactly nbytes.
HY_API int hy_tensor_copy_to(hy_tensor h, void* dst, int64_t nbytes) {
  HY_TRY
  at::Tensor x = t(h).detach().contiguous();
  int64_t have = x.numel() * (int64_t)x.element_size();
  TORCH_CHECK(nbytes == have, "copy_to: destination has ", nbytes, " bytes, tensor ", x.sizes(), " has ", have);
  if (have > 0) std::memcpy(dst, x.data_ptr(), (size_t)have);
  return 0;
  HY_CATCH(-1)
}
// Pointer to the first element of a contiguous tensor (valid while the tensor lives); null with an error otherwise.
HY_API void* hy_tensor_data_ptr(hy_tensor h) {
  HY_TRY
  const at::Tensor& x = t(h);
  TORCH_CHECK(x.is_contiguous(), "data_ptr: tensor is not contiguous; call Contiguous() first");
  return x.data_ptr();
  HY_CATCH(nullptr)
}
HY_API int hy_tensor_item(hy_tensor h, double* out) {
  HY_TRY *out = t(h).item<double>(); return 0; HY_CATCH(-1)
}

HY_API hy_tensor hy_tensor_to_dtype(hy_tensor h, int dtype) { HY_TRY return wrap(t(h).to(hy::to_scalar_type(dtype))); HY_CATCH(nullptr) }
HY_API hy_tensor hy_tensor_clone(hy_tensor h) { HY_TRY return wrap(t(h).clone()); HY_CATCH(nullptr) }
HY_API hy_tensor hy_tensor_contiguous(hy_tensor h) { HY_TRY return wrap(t(h).contiguous()); HY_CATCH(nullptr) }
HY_API hy_tensor hy_tensor_detach(hy_tensor h) { HY_TRY return wrap(t(h).detach()); HY_CATCH(nullptr) }
// A second handle to the same tensor (shares storage and autograd identity).
HY_API hy_tensor hy_tensor_alias(hy_tensor h) { HY_TRY return wrap(at::Tensor(t(h))); HY_CATCH(nullptr) }

// ---- in place -------------------------------------------------------------------------------------------------------
HY_API int hy_tensor_copy_(hy_tensor dst, hy_tensor src) { HY_TRY t(dst).copy_(t(src)); return 0; HY_CATCH(-1) }
HY_API int hy_tensor_fill_(hy_tensor h, double v) { HY_TRY t(h).fill_(v); return 0; HY_CATCH(-1) }
HY_API int hy_tensor_add_(hy_tensor h, hy_tensor other, double alpha) { HY_TRY t(h).add_(t(other), alpha); return 0; HY_CATCH(-1) }
HY_API int hy_tensor_mul_scalar_(hy_tensor h, double s) { HY_TRY t(h).mul_(s); return 0; HY_CATCH(-1) }
HY_API int hy_tensor_normal_(hy_tensor h, double mean, double std) { HY_TRY t(h).normal_(mean, std); return 0; HY_CATCH(-1) }
HY_API int hy_tensor_uniform_(hy_tensor h, double from, double to) { HY_TRY t(h).uniform_(from, to); return 0; HY_CATCH(-1) }

// Replaces h's data (and dtype/shape) by src's while keeping h the same autograd leaf — PyTorch's `param.data = src`,
// which module.to(dtype) uses. Runs without recording history.
HY_API int hy_tensor_set_data(hy_tensor h, hy_tensor src) { HY_TRY t(h).set_data(t(src)); return 0; HY_CATCH(-1) }

// ---- autograd -------------------------------------------------------------------------------------------------------
HY_API int hy_tensor_requires_grad(hy_tensor h) { HY_TRY return t(h).requires_grad() ? 1 : 0; HY_CATCH(-1) }
HY_API int hy_tensor_set_requires_grad(hy_tensor h, int on) { HY_TRY t(h).set_requires_grad(on != 0); return 0; HY_CATCH(-1) }
// *out receives a new handle to .grad, or null when no gradient has been accumulated.
HY_API int hy_tensor_grad(hy_tensor h, hy_tensor* out) {
  HY_TRY
  const at::Tensor& g = t(h).grad();
  *out = g.defined() ? wrap(at::Tensor(g)) : nullptr;
  return 0;
  HY_CATCH(-1)
}
HY_API int hy_tensor_zero_grad(hy_tensor h) { HY_TRY t(h).mutable_grad().reset(); return 0; HY_CATCH(-1) }
HY_API int hy_tensor_backward(hy_tensor h, hy_tensor grad_or_null, int retain_graph) {
  HY_TRY
  at::Tensor g = grad_or_null ? t(grad_or_null) : at::Tensor();
  t(h).backward(g, retain_graph ? c10::optional<bool>(true) : c10::nullopt, /*create_graph=*/false);
  return 0;
  HY_CATCH(-1)
}
