#!/usr/bin/env bash
# Makes the inputs of tools/crosscheck/hf_check.py with the hybrid CLI: tiny Qwen2 and Llama checkpoints (fine-tuned a
# few steps so their weights are not the initialiser's), PEFT LoRA adapters (plain and rsLoRA), a reward model, their
# ONNX exports (adapters merged), and Hybrid's own outputs on them (reward scores; one optimizer step of sft, LoRA sft,
# dpo and reward; greedy completions of two reasoning models when given). hf_check.py then reads every artifact with PyTorch, transformers and peft, which this project
# does not use, and compares.
#   tools/crosscheck/prepare.sh WORK [SFT_MODEL RL_MODEL HELDOUT.jsonl]
# WORK: a new folder (replaced when it exists); keep it under runs/ (ignored by git) to carry it to another machine.
# SFT_MODEL, RL_MODEL: checkpoint folders of `tools/bench reasoning` (or `hybrid sft` / `hybrid rl` outputs' model
# folders); HELDOUT.jsonl: the held-out prompts they were scored on. Needs the CLI built (bash tools/demo.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
hybrid="$root/src/Hybrid.Cli/bin/Release/net10.0/hybrid"
[[ -x "$hybrid" ]] || { echo "prepare.sh: $hybrid not found: build it first (bash tools/demo.sh)" >&2; exit 2; }
[[ $# -eq 1 || $# -eq 4 ]] || { echo "usage: prepare.sh WORK [SFT_MODEL RL_MODEL HELDOUT.jsonl]" >&2; exit 2; }
work="$1"
rm -rf "$work"; mkdir -p "$work"; cd "$work"
h() { "$hybrid" "$@" > /dev/null; }

# Data: worked solutions of levels 1-2 for SFT, 20 held-out problems per level for the logit checks.
h make-data reasoning --out data --levels 1-2 --train 150 --dev 0 --heldout 20 --seed 1

# Full fine-tuning of a Qwen2 (tied embeddings, q/k/v biases) and a Llama (untied, no biases, rope_theta 5e5).
h init-model --preset tiny --out qwen-init --seed 3
h init-model --preset tiny --out llama-init --seed 4 --set model_type=llama --set tie_word_embeddings=false \
  --set rms_norm_eps=1e-5 --set rope_theta=500000
for m in qwen llama; do
  h sft --model $m-init --data data/sft.jsonl --out $m --lr 3e-3 --max-steps 40 --batch-size 8 --seed 1
done

# LoRA: all-linear r 4 α 16 on Qwen2; rsLoRA r 8 α 8 on Llama's default targets (q_proj v_proj). The learning rate is
# high so that B moves far from its zero start and the adapter changes the logits by much more than the tolerance.
h sft --model qwen --data data/sft.jsonl --out qwen-lora --lr 2e-2 --max-steps 30 --batch-size 8 --seed 2 \
  --lora-r 4 --lora-alpha 16 --lora-target-modules all-linear
h sft --model llama --data data/sft.jsonl --out llama-lora --lr 2e-2 --max-steps 30 --batch-size 8 --seed 2 \
  --lora-r 8 --lora-alpha 8 --use-rslora

# A Bradley-Terry reward model from the Qwen2 model: the worked solution preferred over one with a wrong final answer.
python3 - <<'EOF'
import json
with open("data/sft.jsonl") as f, open("data/prefs.jsonl", "w") as o, open("data/score.jsonl", "w") as s:
    for i, line in enumerate(f):
        r = json.loads(line)
        good = r["completion"]
        head, _, last = good.rpartition("The answer is ")
        bad = f"{head}The answer is {int(last.rstrip('.')) + 1 + i % 3}."
        o.write(json.dumps({"prompt": r["prompt"], "chosen": good, "rejected": bad}) + "\n")
        if i < 40:
            s.write(json.dumps({"prompt": r["prompt"], "response": good if i % 2 == 0 else bad}) + "\n")
EOF
h reward --model qwen --data data/prefs.jsonl --out rm --lr 1e-3 --max-steps 30 --batch-size 8 --seed 1

rm -rf qwen-init llama-init
for m in qwen llama rm; do h export --model $m --out $m-onnx; done
for m in qwen-lora llama-lora; do h export --model $m --merge-lora --out $m-merged-onnx; done
h score --model rm-onnx --data data/score.jsonl --out rm-scores.jsonl

# One optimizer step on 16 rows (one batch, so the data order does not matter) of each trainer, lr 1e-3: hf_check.py
# compares the logged loss, metrics and gradient norm, and each parameter's change, with PyTorch's.
head -16 data/sft.jsonl > data/sft16.jsonl
head -16 data/prefs.jsonl > data/prefs16.jsonl
one=(--max-steps 1 --batch-size 16 --logging-steps 1 --lr 1e-3 --seed 1)
h sft --model qwen --data data/sft16.jsonl --out step-sft "${one[@]}"
h sft --model llama --data data/sft16.jsonl --out step-sft-full "${one[@]}" --completion-only-loss false
h sft --model qwen --data data/sft16.jsonl --out step-lora "${one[@]}" --lora-r 4 --lora-alpha 16 --lora-target-modules all-linear
h dpo --model qwen --data data/prefs16.jsonl --out step-dpo "${one[@]}" --loss sigmoid --beta 0.1
h reward --model rm --data data/prefs16.jsonl --out step-rm "${one[@]}"

if [[ $# -eq 4 ]]; then
  for pair in "sft:$2" "rl:$3"; do
    name=${pair%%:*}; src=${pair#*:}
    mkdir -p reasoning-$name
    cp "$src"/{config.json,generation_config.json,model.safetensors,tokenizer.json,tokenizer_config.json} reasoning-$name/
    h generate --model reasoning-$name --data "$4" --out reasoning-$name-greedy.jsonl --temperature 0 --max-new-tokens 64
  done
  cp "$4" reasoning-heldout.jsonl
fi
echo "prepare.sh: $(du -sh . | cut -f1) in $work"
