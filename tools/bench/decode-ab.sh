#!/usr/bin/env bash
# Interleaved A/B of rollout decode speed: runs `Hybrid.Bench decode FOLDER NPL...` from two builds in turn (A B A B ...),
# ROUNDS times each, and prints every run's tok/s per npl, then the median [min-max] per build and npl.
#   tools/bench/decode-ab.sh OLD_BENCH NEW_BENCH FOLDER [ROUNDS] [NPL...]
# OLD_BENCH / NEW_BENCH: the Hybrid.Bench executables of the two builds (e.g. a git worktree of the commit before).
set -euo pipefail
old="$1"; new="$2"; folder="$3"; rounds="${4:-3}"; shift 4 || shift $#
npls=("$@"); ((${#npls[@]})) || npls=(1 8 64)
out=$(mktemp)
for ((r = 1; r <= rounds; r++)); do
  for side in A B; do
    bench="$old"; [ "$side" = B ] && bench="$new"
    "$bench" decode "$folder" "${npls[@]}" --rounds 1 | awk -v s="$side" -v r="$r" '/npl/ {gsub(":", "", $2); print s, r, $2, $3}' >> "$out"
  done
done
echo "decode A/B on $folder (A: $old, B: $new), $rounds interleaved runs, tok/s"
awk '{v[$1" "$3] = v[$1" "$3] " " $4} END {for (k in v) print k, v[k]}' "$out" | sort -k2,2n -k1,1 | while read -r side npl values; do
  sorted=$(tr ' ' '\n' <<< "$values" | grep -v '^$' | sort -n | tr '\n' ' ')
  read -ra xs <<< "$sorted"; n=${#xs[@]}
  if ((n % 2)); then med=${xs[n/2]}; else med=$(( (xs[n/2-1] + xs[n/2]) / 2 )); fi
  printf '  %s npl %3s: median %6s [%s-%s]   runs: %s\n' "$side" "$npl" "$med" "${xs[0]}" "${xs[n-1]}" "$values"
done
rm -f "$out"
