#!/usr/bin/env bash
# The test command: provisions the machine when needed (tools/setup.sh), builds the solution, runs every test project,
# and closes with one summary line "tests: N passed, N failed[, N skipped]".
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash tools/setup.sh
# Test projects run side by side on few cores: libtorch's OpenMP workers must sleep at once instead of spinning
# (spinning beside another busy process made tiny training steps 2.4x slower; see Hybrid.Tensors/TorchRuntime.cs).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
dotnet build Hybrid.sln -c Release -nologo -clp:ErrorsOnly
results="$root/.engines/test-results"
rm -rf "$results"
status=0
dotnet test Hybrid.sln -c Release --no-build --nologo --logger "trx" --results-directory "$results" "$@" || status=$?
# Sum the counters of every test project's TRX report.
read -r passed failed skipped < <(
  cat "$results"/*.trx 2>/dev/null | tr ' ' '\n' | awk -F'"' '
    /^passed=/ {p += $2} /^failed=/ {f += $2} /^notExecuted=/ {s += $2}
    END {printf "%d %d %d\n", p, f, s}')
if [ "$skipped" -gt 0 ]; then
  echo "tests: $passed passed, $failed failed, $skipped skipped"
else
  echo "tests: $passed passed, $failed failed"
fi
if [ "$passed" -eq 0 ] && [ "$status" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit "$status"
