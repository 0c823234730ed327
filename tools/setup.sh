#!/usr/bin/env bash
# Prepares a fresh machine for Hybrid; idempotent. Every engine arrives by `dotnet restore` as a NuGet package:
# TorchSharp-cpu (libtorch 2.10) for training, Microsoft.ML.OnnxRuntime / OnnxRuntimeGenAI for rollouts, scoring and
# export, Orleans for scale-out. Two apt packages: Debian's redis-server, the cluster membership store the cluster tests
# start (on a port of their own; no service is enabled), and Debian's chromium, the headless browser the `hybrid report`
# tests render the page in (its dependencies bring the fonts the charts are drawn with). Nothing is compiled outside
# `dotnet build`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
t0=$(date +%s.%N)
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

command -v dotnet >/dev/null || die "the .NET SDK (10.0) is not on PATH: install it from https://dot.net"
dotnet restore "$root/Hybrid.sln" --nologo -v quiet >/dev/null || die "dotnet restore failed (run it by hand to see why)"
if ! command -v redis-server >/dev/null; then
  say "installing redis-server (apt)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends redis-server; } >/dev/null \
    || die "could not install redis-server (Debian: apt-get install redis-server); the cluster tests need it"
  # Debian's package enables a service on systems with an init; the tests start their own server and need none.
fi
if ! command -v chromium >/dev/null; then
  say "installing chromium (apt)"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium; } >/dev/null \
    || die "could not install chromium (Debian: apt-get install chromium); the report tests render their page in it"
fi
say "ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
