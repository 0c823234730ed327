#!/usr/bin/env bash
# Provisions everything Hybrid needs on a fresh Debian machine, with no human help; idempotent, a few seconds when done.
#   1. apt: libtorch-dev and libopenblas0-pthread (OpenBLAS must be the BLAS libtorch uses: checked below by a matmul)
#   2. npm: the ONNX Runtime and ONNX Runtime GenAI packages pinned in tools/engines.lock, integrity-checked, extracted to .engines/
#   3. the native libtorch shim (src/Hybrid.Torch/native) built with CMake into .engines/native/
# Environment: HYBRID_CACHE (tarball cache, default ~/.cache/hybrid), HYBRID_SKIP_BLAS_CHECK=1 (not recommended).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
engines="$root/.engines"
cache="${HYBRID_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hybrid}"
mkdir -p "$engines" "$cache"
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

# ---- 2. ONNX Runtime + GenAI from npm ---------------------------------------------------------------------------------
sha512_of() { printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }
while read -r name version integrity folder; do
  [[ -z "$name" || "$name" == \#* ]] && continue
  dest="$engines/$folder"
  stamp="$dest/.integrity"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$integrity" ]; then continue; fi
  tgz="$cache/$name-$version.tgz"
  if [ ! -f "$tgz" ] || [ "$(sha512_of "$tgz")" != "$integrity" ]; then
    say "fetching $name@$version (npm)"
    rm -f "$tgz"
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "$name@$version" >/dev/null 2>npm.err) || { cat "$tmp/npm.err" >&2; die "npm pack $name@$version failed"; }
    mv "$tmp/$name-$version.tgz" "$tgz"; rm -rf "$tmp"
  fi
  got=$(sha512_of "$tgz")
  [ "$got" = "$integrity" ] || { rm -f "$tgz"; die "$name@$version: integrity mismatch (got $got, tools/engines.lock says $integrity)"; }
  say "extracting $name@$version -> .engines/$folder"
  rm -rf "$dest" "$dest.tmp"; mkdir -p "$dest.tmp"
  tar -xzf "$tgz" -C "$dest.tmp" --wildcards 'package/Runtime/*.cs' 'package/Plugins/Linux/x64/*.so'
  mv "$dest.tmp/package" "$dest"; rmdir "$dest.tmp"
  printf '%s' "$integrity" > "$stamp"
done < "$root/tools/engines.lock"

# ---- 3. native shim --------------------------------------------------------------------------------------------------
build="$engines/native"
if [ ! -f "$build/CMakeCache.txt" ]; then
  say "configuring the native shim (cmake)"
  cmake -S "$root/src/Hybrid.Torch/native" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j"$(nproc)" 2>&1 | grep -v -E '^\[ *[0-9]+%\]|^ninja: no work|Consolidate compiler generated' || true
[ -f "$build/libhybrid_torch.so" ] || die "native shim did not build (see the output above)"

# ---- 4. BLAS speed check through libtorch (a 512^3 fp32 matmul must be well above 50 GFLOP/s) ---------------------------
if [ "${HYBRID_SKIP_BLAS_CHECK:-0}" != 1 ]; then
  "$build/hybrid_torch_check" 512 50 || die "libtorch matmul is too slow: OpenBLAS is not the BLAS in use"
fi
say "ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
