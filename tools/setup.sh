#!/usr/bin/env bash
# Prepares a fresh machine for Hybrid; idempotent. Every engine arrives by `dotnet restore` as a NuGet package:
# TorchSharp-cpu (libtorch 2.10) for training, Microsoft.ML.OnnxRuntime / OnnxRuntimeGenAI for rollouts, scoring and
# export. Nothing is installed with apt and nothing is compiled outside `dotnet build`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
t0=$(date +%s.%N)
say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

command -v dotnet >/dev/null || die "the .NET SDK (10.0) is not on PATH: install it from https://dot.net"
dotnet restore "$root/Hybrid.sln" --nologo -v quiet >/dev/null || die "dotnet restore failed (run it by hand to see why)"
say "ready in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s"
