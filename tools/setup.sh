#!/usr/bin/env bash
# Provisions what Hybrid needs beyond `dotnet restore` on a fresh Debian machine, with no human help; idempotent.
#   1. apt: libtorch-dev and libopenblas0-pthread (OpenBLAS must be the BLAS libtorch uses: checked below by a matmul)
#   2. the native libtorch shim (src/Hybrid.Torch/native) built with CMake into .engines/native/
# ONNX Runtime, GenAI and the tokenizer come from NuGet as PackageReferences: the build restores them.
# Environment: HYBRID_SKIP_BLAS_CHECK=1 (not recommended).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
engines="$root/.engines"
mkdir -p "$engines"
t0=$(date +%s.%N)
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# ---- 1. Debian packages ---------------------------------------------------------------------------------------------
apt_packages=(libtorch-dev libopenblas0-pthread cmake g++)
missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]} (apt)"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's reference BLAS is 25x slower than OpenBLAS: refuse to go on with it selected.
blas=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 || true)
case "$blas" in
  *openblas*) ;;
  *) die "libblas.so.3 resolves to '$blas', not OpenBLAS. Run: update-alternatives --config libblas.so.3-x86_64-linux-gnu" ;;
esac

# ---- 2. native shim --------------------------------------------------------------------------------------------------
build="$engines/native"
if [ ! -f "$build/CMakeCache.txt" ]; then
  say "configuring the native shim (cmake)"
  cmake -S "$root/src/Hybrid.Torch/native" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j"$(nproc)" 2>&1 | grep -v -E '^\[ *[0-9]+%\]|^ninja: no work|Consolidate compiler generated' || true
[ -f "$build/libhybrid_torch.so" ] || die "native shim did not build (see the output above)"

# ---- 3. BLAS speed check through libtorch (a 512^3 fp32 matmul must be well above 50 GFLOP/s) ---------------------------
# Debian's OpenBLAS falls back to generic kernels on CPUs newer than it knows; Hybrid.Torch selects the AVX-512 ones
# (OPENBLAS_CORETYPE=SkylakeX) when the CPU has AVX-512, and so does this check.
if [ "${HYBRID_SKIP_BLAS_CHECK:-0}" != 1 ]; then
  coretype="${OPENBLAS_CORETYPE:-}"
  if [ -z "$coretype" ] && grep -q -m1 -w avx512f /proc/cpuinfo; then coretype=SkylakeX; fi
  OPENBLAS_CORETYPE="$coretype" "$build/hybrid_torch_check" 512 50 || die "libtorch matmul is too slow: OpenBLAS is not the BLAS in use"
fi
say "ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
