// Shared plumbing of the shim: handle wrapping, the live-tensor counter, dtype codes and the no-throw entry macros.
#pragma once
#include <ATen/ATen.h>
#include <atomic>
#include <cstdint>
#include <string>

#define HY_API extern "C" __attribute__((visibility("default")))

// A tensor handle is a heap-allocated at::Tensor (one reference to the underlying storage).
typedef at::Tensor* hy_tensor;

namespace hy {

extern std::atomic<int64_t> live_tensors;

void set_error(const std::string& message);

inline hy_tensor wrap(at::Tensor t) {
  auto* h = new at::Tensor(std::move(t));
  live_tensors.fetch_add(1, std::memory_order_relaxed);
  return h;
}

// Dtype codes shared with C# (Hybrid.Torch.DType). Keep both lists in the same order.
inline at::ScalarType to_scalar_type(int code) {
  switch (code) {
    case 0: return at::kFloat;
    case 1: return at::kBFloat16;
    case 2: return at::kLong;
    case 3: return at::kBool;
    case 4: return at::kHalf;
    case 5: return at::kInt;
    case 6: return at::kDouble;
    default: TORCH_CHECK(false, "unknown dtype code ", code);
  }
}

inline int from_scalar_type(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return 0;
    case at::kBFloat16: return 1;
    case at::kLong: return 2;
    case at::kBool: return 3;
    case at::kHalf: return 4;
    case at::kInt: return 5;
    case at::kDouble: return 6;
    default: return -1;
  }
}

inline at::IntArrayRef dims(const int64_t* p, int n) { return at::IntArrayRef(p, static_cast<size_t>(n)); }

inline const at::Tensor& t(hy_tensor h) {
  TORCH_CHECK(h != nullptr, "null tensor handle");
  return *h;
}

}  // namespace hy

// Every exported function body sits between HY_TRY and HY_CATCH(value): a C++ exception becomes the thread's last error
// (read by hy_last_error) and the function returns `value` (nullptr for handles, -1 for status codes).
#define HY_TRY try {
#define HY_CATCH(ret)                                      \
  }                                                        \
  catch (const c10::Error& e) {                            \
    hy::set_error(e.what_without_backtrace());             \
    return ret;                                            \
  }                                                        \
  catch (const std::exception& e) {                        \
    hy::set_error(e.what());                               \
    return ret;                                            \
  }                                                        \
  catch (...) {                                            \
    hy::set_error("unknown C++ exception in hybrid_torch"); \
    return ret;                                            \
  }

// Unary and binary op definitions are one line each.
#define HY_UNARY(name, expr) \
  HY_API hy_tensor hy_##name(hy_tensor a) { HY_TRY const at::Tensor& x = hy::t(a); return hy::wrap(expr); HY_CATCH(nullptr) }
#define HY_BINARY(name, expr)                                              \
  HY_API hy_tensor hy_##name(hy_tensor a, hy_tensor b) {                   \
    HY_TRY const at::Tensor& x = hy::t(a); const at::Tensor& y = hy::t(b); \
    return hy::wrap(expr);                                                 \
    HY_CATCH(nullptr)                                                      \
  }
#define HY_SCALAR(name, expr) \
  HY_API hy_tensor hy_##name(hy_tensor a, double s) { HY_TRY const at::Tensor& x = hy::t(a); return hy::wrap(expr); HY_CATCH(nullptr) }
