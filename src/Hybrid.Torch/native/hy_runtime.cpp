// Process-wide runtime of the shim: last error, allocator and thread settings, seeding, grad mode, live-tensor counter.
#include "hy_common.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>
#include <mutex>
#include <c10/core/GradMode.h>
#include <dlfcn.h>
#include <malloc.h>

std::atomic<int64_t> hy::live_tensors{0};

static thread_local std::string g_last_error;

void hy::set_error(const std::string& message) { g_last_error = message; }

HY_API const char* hy_last_error(void) { return g_last_error.c_str(); }

HY_API int64_t hy_live_tensors(void) { return hy::live_tensors.load(std::memory_order_relaxed); }

HY_API void hy_tensor_free(hy_tensor h) {
  if (h == nullptr) return;
  delete h;
  hy::live_tensors.fetch_sub(1, std::memory_order_relaxed);
}

// OpenBLAS keeps its own thread pool that at::set_num_threads does not govern; reach it through the loaded library.
typedef void (*openblas_set_fn)(int);
typedef int (*openblas_get_fn)(void);
static void* openblas_symbol(const char* name) {
  for (const char* lib : {"libblas.so.3", "libopenblas.so.0"}) {
    if (void* h = dlopen(lib, RTLD_NOW | RTLD_NOLOAD)) {
      void* sym = dlsym(h, name);
      dlclose(h);
      if (sym) return sym;
    }
  }
  return dlsym(RTLD_DEFAULT, name);
}

// Applies allocator and thread settings; a negative argument leaves that setting unchanged. Returns 0, or -1 on error.
// mmap/trim thresholds: glibc malloc returns large blocks to the OS eagerly by default, which makes every training step
// re-fault its activations; raising both thresholds made a C#-driven step as fast as the same step in C++ (engines.md).
HY_API int hy_runtime_configure(int64_t mmap_threshold, int64_t trim_threshold, int aten_threads, int blas_threads) {
  HY_TRY
  if (mmap_threshold >= 0) TORCH_CHECK(mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold) == 1, "mallopt(M_MMAP_THRESHOLD) refused ", mmap_threshold);
  if (trim_threshold >= 0) TORCH_CHECK(mallopt(M_TRIM_THRESHOLD, (int)trim_threshold) == 1, "mallopt(M_TRIM_THRESHOLD) refused ", trim_threshold);
  if (aten_threads > 0) at::set_num_threads(aten_threads);
  if (blas_threads > 0) {
    auto fn = reinterpret_cast<openblas_set_fn>(openblas_symbol("openblas_set_num_threads"));
    TORCH_CHECK(fn != nullptr, "openblas_set_num_threads not found: is libopenblas0-pthread installed and selected?");
    fn(blas_threads);
  }
  return 0;
  HY_CATCH(-1)
}

HY_API int hy_runtime_aten_threads(void) { return at::get_num_threads(); }

// Threads of OpenBLAS's pool, or -1 when the BLAS in use is not OpenBLAS.
HY_API int hy_runtime_blas_threads(void) {
  auto fn = reinterpret_cast<openblas_get_fn>(openblas_symbol("openblas_get_num_threads"));
  return fn ? fn() : -1;
}

HY_API int hy_manual_seed(uint64_t seed) {
  HY_TRY
  at::manual_seed(seed);
  return 0;
  HY_CATCH(-1)
}

// The CPU generator's full state as opaque bytes (for resuming a run bit-exactly). With buffer == null (or too small),
// only *size is set; returns 0, or -1 on error.
HY_API int hy_rng_get_state(uint8_t* buffer, int64_t capacity, int64_t* size) {
  HY_TRY
  at::Tensor state = at::detail::getDefaultCPUGenerator().get_state();  // uint8 [N]
  *size = state.numel();
  if (buffer != nullptr && capacity >= state.numel()) std::memcpy(buffer, state.data_ptr(), (size_t)state.numel());
  return 0;
  HY_CATCH(-1)
}

HY_API int hy_rng_set_state(const uint8_t* buffer, int64_t size) {
  HY_TRY
  at::Tensor state = at::empty({size}, at::kByte);
  std::memcpy(state.data_ptr(), buffer, (size_t)size);
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(state);  // validates the size and layout, throwing on a foreign state
  return 0;
  HY_CATCH(-1)
}

HY_API int hy_set_deterministic(int on) {
  HY_TRY
  at::globalContext().setDeterministicAlgorithms(on != 0, /*warn_only=*/false);
  return 0;
  HY_CATCH(-1)
}

// Grad mode is thread-local in libtorch, as in PyTorch: a no-grad scope affects the calling thread only.
HY_API int hy_grad_enabled(void) { return c10::GradMode::is_enabled() ? 1 : 0; }
HY_API void hy_set_grad_enabled(int on) { c10::GradMode::set_enabled(on != 0); }

// Raises a C++ exception inside the shim on purpose: tests use it to prove errors reach C# as typed exceptions.
HY_API int hy_debug_throw(const char* message) {
  HY_TRY
  throw std::runtime_error(message ? message : "hy_debug_throw");
  HY_CATCH(-1)
}
