#!/usr/bin/env bash
# SFT step time, two builds of tools/bench interleaved (A B A B …; the order alternates each round), fp32 for each preset
# and bf16 for the new build: prints a table of medians (min–max) and the median of the per-round new ÷ old ratios.
#   tools/bench/sft-ab.sh OLD_BENCH NEW_BENCH [ROUNDS]
# OLD_BENCH / NEW_BENCH: the Hybrid.Bench executables (e.g. a `git worktree` of the commit before, built with its setup).
set -euo pipefail
old="$1"; new="$2"; rounds="${3:-3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# preset  batch  seq  steps
cases=("tiny 16 32 50" "small 8 256 5" "base100m 4 128 3")
ms() { "$@" | awk '/ms\/step/ {print $1}'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minmax() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s–%s", lo, hi}'; }
printf '| preset (batch × seq) | old fp32 ms/step | new fp32 ms/step | new ÷ old | new bf16 ms/step | bf16 ÷ old fp32 |\n'
printf '| --- | --- | --- | --- | --- | --- |\n'
for c in "${cases[@]}"; do
  read -r preset b t steps <<<"$c"
  recipe="$root/models/$preset.json"
  A=(); B=(); C=(); R=(); R16=()
  for ((r = 0; r < rounds; r++)); do
    if ((r % 2 == 0)); then
      a=$(ms "$old" sft "$recipe" "$b" "$t" "$steps"); n=$(ms "$new" sft "$recipe" "$b" "$t" "$steps"); h=$(ms "$new" sft "$recipe" "$b" "$t" "$steps" --bf16)
    else
      h=$(ms "$new" sft "$recipe" "$b" "$t" "$steps" --bf16); n=$(ms "$new" sft "$recipe" "$b" "$t" "$steps"); a=$(ms "$old" sft "$recipe" "$b" "$t" "$steps")
    fi
    A+=("$a"); B+=("$n"); C+=("$h")
    R+=("$(awk -v x="$n" -v y="$a" 'BEGIN{printf "%.3f", x/y}')"); R16+=("$(awk -v x="$h" -v y="$a" 'BEGIN{printf "%.3f", x/y}')")
    echo "  $preset round $((r + 1)): old $a, new $n, new bf16 $h ms/step" >&2
  done
  printf '| %s (%s × %s) | %s (%s) | %s (%s) | %s | %s (%s) | %s |\n' "$preset" "$b" "$t" \
    "$(printf '%s\n' "${A[@]}" | median)" "$(printf '%s\n' "${A[@]}" | minmax)" \
    "$(printf '%s\n' "${B[@]}" | median)" "$(printf '%s\n' "${B[@]}" | minmax)" \
    "$(printf '%s\n' "${R[@]}" | median)" \
    "$(printf '%s\n' "${C[@]}" | median)" "$(printf '%s\n' "${C[@]}" | minmax)" \
    "$(printf '%s\n' "${R16[@]}" | median)"
done
