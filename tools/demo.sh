#!/usr/bin/env bash
# The main job: provisions the machine when needed (tools/setup.sh), then runs `hybrid demo`
# (train a tiny network on libtorch, then generate from a tiny ONNX Runtime GenAI model exported to exports/demo-tiny).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup.sh
dotnet run --project src/Hybrid.Cli -c Release -- demo "$@"
