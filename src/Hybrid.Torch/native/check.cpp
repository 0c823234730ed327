// Set-up check: times a square fp32 matmul through libtorch and fails when it is slower than a threshold (GFLOP/s),
// which is what happens when Debian's reference BLAS, not OpenBLAS, serves libblas.so.3.
#include <ATen/ATen.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 512;
  const double threshold = argc > 2 ? std::atof(argv[2]) : 50.0;
  at::Tensor a = at::randn({n, n}), b = at::randn({n, n});
  at::mm(a, b);  // warm-up: thread pool start and page faults
  double best = 1e30;
  for (int rep = 0; rep < 5; rep++) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 4; i++) at::mm(a, b);
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 4;
    if (s < best) best = s;
  }
  const double gflops = 2.0 * n * n * n / best / 1e9;
  std::printf("[setup] libtorch fp32 matmul %lld^3: %.0f GFLOP/s (needs > %.0f)\n", (long long)n, gflops, threshold);
  return gflops > threshold ? 0 : 1;
}
