#!/usr/bin/env bash
# Peak resident memory and phase times of `hybrid rl` (small, GRPO, 16 prompts × G 8, 64 new tokens, bf16, 2 iterations),
# two builds interleaved (A B, then B A, …): prints a table of medians (min–max) and the median of the per-round ratios.
#   tools/bench/rl-memory-ab.sh OLD_HYBRID_DLL NEW_HYBRID_DLL [ROUNDS] [EXTRA NEW FLAGS...]
# OLD/NEW: src/Hybrid.Cli/bin/Release/net10.0/hybrid.dll of two builds (e.g. a `git worktree` of the commit before).
# EXTRA NEW FLAGS go to the new build only (e.g. --micro-batch-size 16). Needs GNU time (/usr/bin/time, Debian `time`).
set -euo pipefail
old="$1"; new="$2"; rounds="${3:-3}"; shift $(( $# < 3 ? $# : 3 )); extra=("$@")
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
dotnet "$new" make-data reasoning --out "$work/data" --levels 1-4 --sft-levels 1-2 --train 200 --heldout 1 --seed 1 >/dev/null
dotnet "$new" init-model --preset "$root/models/small.json" --out "$work/base" --seed 1 >/dev/null
run() {  # run DLL NAME [flags]: prints "peak_gb step_s old_log_prob_s ref_s update_actor_s"
  local dll="$1" name="$2"; shift 2
  /usr/bin/time -f %M -o "$work/$name.time" dotnet "$dll" rl --model "$work/base" --data "$work/data/prompts.jsonl" --preset grpo \
    --reward accuracy --group-size 8 --prompts-per-iteration 16 --iterations 2 --max-new-tokens 64 --bf16 --seed 1 \
    --out "$work/$name" --overwrite "$@" >"$work/$name.log" 2>&1
  awk '{printf "%.2f ", $1/1048576}' "$work/$name.time"
  python3 - "$work/$name/metrics.jsonl" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(f"{sum(r[k] for r in rows) / len(rows):.2f}" for k in ["timing_s/step", "timing_s/old_log_prob", "timing_s/ref", "timing_s/update_actor"]))
PY
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
minmax() { sort -g | awk 'NR==1{lo=$1} {hi=$1} END {printf "%s–%s", lo, hi}'; }
declare -A col
for ((r = 0; r < rounds; r++)); do
  if ((r % 2 == 0)); then a=$(run "$old" old); b=$(run "$new" new "${extra[@]}"); else b=$(run "$new" new "${extra[@]}"); a=$(run "$old" old); fi
  echo "  round $((r + 1)): old $a | new $b   (peak GB, step s, old_log_prob s, ref s, update_actor s)" >&2
  read -r -a A <<<"$a"; read -r -a B <<<"$b"
  for i in 0 1 2 3 4; do
    col[old$i]+="${A[$i]} "; col[new$i]+="${B[$i]} "
    col[ratio$i]+="$(awk -v x="${B[$i]}" -v y="${A[$i]}" 'BEGIN{printf "%.3f", (y > 0 ? x / y : 0)}') "
  done
done
names=("peak RSS (GB)" "iteration (s)" "old_log_prob (s)" "ref (s)" "update_actor (s)")
printf '| %s | old | new%s | new ÷ old |\n| --- | --- | --- | --- |\n' "median (min–max) of $rounds rounds" "${extra[*]:+ (${extra[*]})}"
for i in 0 1 2 3 4; do
  printf '| %s | %s (%s) | %s (%s) | %s |\n' "${names[$i]}" \
    "$(tr ' ' '\n' <<<"${col[old$i]}" | grep . | median)" "$(tr ' ' '\n' <<<"${col[old$i]}" | grep . | minmax)" \
    "$(tr ' ' '\n' <<<"${col[new$i]}" | grep . | median)" "$(tr ' ' '\n' <<<"${col[new$i]}" | grep . | minmax)" \
    "$(tr ' ' '\n' <<<"${col[ratio$i]}" | grep . | median)"
done
