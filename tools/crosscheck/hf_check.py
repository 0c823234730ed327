"""Checks what Hybrid writes against PyTorch, Hugging Face transformers and peft, which Hybrid itself never uses.

    python3 tools/crosscheck/hf_check.py WORK OUT_DIR [--device cuda]

WORK is a folder made by tools/crosscheck/prepare.sh. Needs torch, transformers, peft, tokenizers, safetensors and
onnxruntime. Each check prints one line and goes into OUT_DIR/crosscheck.json:

  logits   transformers' forward of a Hybrid checkpoint (Qwen2, Llama) vs Hybrid's ONNX export of it, run by onnxruntime
  peft     peft's PeftModel over the base with Hybrid's adapter folder (unmerged LoRA path) vs Hybrid's
           `export --merge-lora` folder; also peft's own key list against the adapter file's
  reward   transformers' *ForSequenceClassification score vs `hybrid score` on the exported reward model
  greedy   transformers' greedy decoding of the held-out prompts with the two reasoning models vs `hybrid generate
           --temperature 0`; accuracy per level and the paired gain, computed from transformers' completions alone

fp32 throughout, TF32 off, eager attention, so that differences are the implementations', not a precision choice.
"""
import json
import math
import os
import re
import sys
import time
import traceback

import numpy as np
import onnxruntime as ort
import torch
from safetensors import safe_open
from tokenizers import Tokenizer
from transformers import AutoModelForCausalLM, AutoModelForSequenceClassification, GenerationConfig

work, out_dir = sys.argv[1], sys.argv[2]
device = sys.argv[sys.argv.index("--device") + 1] if "--device" in sys.argv else ("cuda" if torch.cuda.is_available() else "cpu")
os.makedirs(out_dir, exist_ok=True)
torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.set_grad_enabled(False)
results = {"device": device, "torch": torch.__version__, "onnxruntime": ort.__version__,
           "gpu": torch.cuda.get_device_name(0) if device.startswith("cuda") else None}
try:
    import transformers, peft
    results["transformers"], results["peft"] = transformers.__version__, peft.__version__
except Exception:
    pass


def path(*parts):
    return os.path.join(work, *parts)


def report(name, value):
    results[name] = value
    print(f"{name}: {json.dumps(value)}", flush=True)


def load_causal(folder):
    return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager").to(device).eval()


def texts(n=12):
    """Prompt + worked solution of held-out rows: sequences of 30-60 tokens the models were trained on the form of."""
    rows = [json.loads(l) for l in open(path("data", "heldout.jsonl"))]
    return [r["prompt"] + r["solution"] for r in rows[:: max(1, len(rows) // n)][:n]]


def token_ids(folder, text):
    return Tokenizer.from_file(os.path.join(folder, "tokenizer.json")).encode(text, add_special_tokens=False).ids


def onnx_logits(folder, ids):
    """[S, V] logits of one unpadded row from an exported decoder (empty cache; a shared cache gets S slots)."""
    session = ort.InferenceSession(os.path.join(folder, "model.onnx"), providers=["CPUExecutionProvider"])
    decoder = json.load(open(os.path.join(folder, "genai_config.json")))["model"]["decoder"]
    shared = json.load(open(os.path.join(folder, "genai_config.json")))["search"].get("past_present_share_buffer", False)
    s = len(ids)
    feed = {}
    for i in session.get_inputs():
        if i.name == "input_ids":
            feed[i.name] = np.array([ids], dtype=np.int64)
        elif i.name == "attention_mask":
            feed[i.name] = np.ones((1, s), dtype=np.int64)
        elif i.name == "position_ids":
            feed[i.name] = np.arange(s, dtype=np.int64)[None, :]
        elif i.name.startswith("past_key_values."):
            feed[i.name] = np.zeros((1, decoder["num_key_value_heads"], s if shared else 0, decoder["head_size"]), dtype=np.float32)
        else:
            raise ValueError(f"{folder}/model.onnx: unexpected input {i.name}")
    return session.run(["logits"], feed)[0][0]


def compare(a, b):
    """max |a − b|, that over max |a|, and the share of positions whose argmax agrees."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return {"max_abs_diff": float(np.abs(a - b).max()), "max_abs": float(np.abs(a).max()),
            "argmax_agree": float((a.argmax(-1) == b.argmax(-1)).mean())}


def check(name, fn):
    started = time.time()
    try:
        fn()
    except Exception as e:
        report(name + "_error", f"{type(e).__name__}: {e}")
        traceback.print_exc()
    print(f"  ({name}: {time.time() - started:.1f} s)", flush=True)


def logits_check():
    for m in ["qwen", "llama"]:
        model = load_causal(path(m))
        worst = None
        for t in texts():
            ids = token_ids(path(m), t)
            hf = model(torch.tensor([ids], device=device)).logits[0].float().cpu().numpy()
            c = compare(hf, onnx_logits(path(m + "-onnx"), ids))
            worst = c if worst is None or c["max_abs_diff"] > worst["max_abs_diff"] else worst
        report(f"logits/{m}", worst)


def peft_check():
    from peft import PeftModel, get_peft_model_state_dict
    for m in ["qwen", "llama"]:
        adapter = path(m + "-lora")
        config = json.load(open(os.path.join(adapter, "adapter_config.json")))
        base = load_causal(path(m))
        with safe_open(os.path.join(adapter, "adapter_model.safetensors"), "pt") as f:
            file_keys = set(f.keys())
        base_logits = [base(torch.tensor([token_ids(path(m), t)], device=device)).logits[0].cpu().numpy() for t in texts()]
        model = PeftModel.from_pretrained(base, adapter).to(device).eval()
        peft_keys = set(get_peft_model_state_dict(model).keys())
        worst, moved = None, 0.0
        for t, bl in zip(texts(), base_logits):
            ids = token_ids(path(m), t)
            pl = model(torch.tensor([ids], device=device)).logits[0].float().cpu().numpy()
            c = compare(pl, onnx_logits(path(m + "-lora-merged-onnx"), ids))
            worst = c if worst is None or c["max_abs_diff"] > worst["max_abs_diff"] else worst
            moved = max(moved, float(np.abs(pl - bl).max()))
        report(f"peft/{m}", {**worst, "adapter_moves_logits_by": moved, "r": config["r"], "lora_alpha": config["lora_alpha"],
                             "use_rslora": config.get("use_rslora", False), "target_modules": config["target_modules"],
                             "file_keys": len(file_keys), "peft_keys": len(peft_keys),
                             "keys_only_in_file": sorted(file_keys - peft_keys)[:5], "keys_only_in_peft": sorted(peft_keys - file_keys)[:5]})


def reward_check():
    model = AutoModelForSequenceClassification.from_pretrained(path("rm"), dtype=torch.float32, attn_implementation="eager", num_labels=1).to(device).eval()
    rows = [json.loads(l) for l in open(path("rm-scores.jsonl"))]
    hf = [float(model(torch.tensor([token_ids(path("rm"), r["prompt"] + r["response"])], device=device)).logits[0, 0]) for r in rows]
    ours = [r["score"] for r in rows]
    diffs = [abs(a - b) for a, b in zip(hf, ours)]
    report("reward", {"rows": len(rows), "max_abs_diff": max(diffs), "max_abs_score": max(abs(x) for x in hf),
                      "score_std": float(np.std(hf))})


def greedy(folder, prompts, batch=100):
    """transformers' greedy completions (≤ 64 new tokens, stop at the generation config's eos ids), left-padded batches."""
    model = load_causal(folder)
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    gen = json.load(open(os.path.join(folder, "generation_config.json")))
    eos = gen["eos_token_id"] if isinstance(gen["eos_token_id"], list) else [gen["eos_token_id"]]
    pad = gen.get("pad_token_id", eos[0])
    completions = []
    for start in range(0, len(prompts), batch):
        enc = [tok.encode(p, add_special_tokens=False).ids for p in prompts[start:start + batch]]
        width = max(len(e) for e in enc)
        ids = torch.tensor([[pad] * (width - len(e)) + e for e in enc], device=device)
        mask = torch.tensor([[0] * (width - len(e)) + [1] * len(e) for e in enc], device=device)
        config = GenerationConfig(do_sample=False, max_new_tokens=64, eos_token_id=eos, pad_token_id=pad)
        outs = model.generate(input_ids=ids, attention_mask=mask, generation_config=config)
        for row in outs[:, width:].tolist():
            cut = next((i for i, t in enumerate(row) if t in eos), len(row))
            completions.append(tok.decode(row[:cut], skip_special_tokens=True))
    return completions


def correct(completion, answer):
    numbers = re.findall(r"-?\d+(?:\.\d+)?", completion)
    return bool(numbers) and float(numbers[-1]) == float(answer)


def greedy_check():
    if not os.path.exists(path("reasoning-heldout.jsonl")):
        report("greedy", "skipped: prepare.sh was run without the reasoning models")
        return
    rows = [json.loads(l) for l in open(path("reasoning-heldout.jsonl"))]
    prompts = [r["prompt"] for r in rows]
    right = {}
    for name in ["sft", "rl"]:
        hf = greedy(path("reasoning-" + name), prompts)
        ours = [json.loads(l) for l in open(path(f"reasoning-{name}-greedy.jsonl"))]
        assert [o["prompt"] for o in ours] == prompts, "hybrid's completions are not in the held-out file's order"
        with open(os.path.join(out_dir, f"hf-greedy-{name}.jsonl"), "w") as f:
            for r, c in zip(rows, hf):
                f.write(json.dumps({**r, "completion": c}) + "\n")
        right[name] = [correct(c, r["answer"]) for c, r in zip(hf, rows)]
        levels = sorted({int(r["level"]) for r in rows})
        per_level = {}
        for lv in levels:
            idx = [i for i, r in enumerate(rows) if int(r["level"]) == lv]
            per_level[f"L{lv}"] = {"hf": 100 * sum(right[name][i] for i in idx) / len(idx),
                                   "hybrid": 100 * sum(correct(ours[i]["completion"], rows[i]["answer"]) for i in idx) / len(idx)}
        report(f"greedy/{name}", {"same_completion": sum(a == b["completion"] for a, b in zip(hf, ours)) / len(rows),
                                  "accuracy_hf": 100 * sum(right[name]) / len(rows),
                                  "accuracy_hybrid": 100 * sum(correct(o["completion"], r["answer"]) for o, r in zip(ours, rows)) / len(rows),
                                  "per_level": per_level})
    # Left padding must not change a row's greedy path: the 12 prompts that are padded most, one at a time.
    order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))[:12]
    alone = greedy(path("reasoning-rl"), [prompts[i] for i in order], batch=1)
    batched = [json.loads(l)["completion"] for l in open(os.path.join(out_dir, "hf-greedy-rl.jsonl"))]
    report("greedy/batched_equals_unbatched", sum(alone[k] == batched[i] for k, i in enumerate(order)) / len(order))
    d = [100 * (b - a) for a, b in zip(right["sft"], right["rl"])]
    mean = sum(d) / len(d)
    se = math.sqrt(sum((x - mean) ** 2 for x in d) / (len(d) - 1) / len(d))
    report("greedy/gain_rl_minus_sft_hf", {"points": mean, "ci95": 1.96 * se, "n": len(d)})


for name, fn in [("logits", logits_check), ("peft", peft_check), ("reward", reward_check), ("greedy", greedy_check)]:
    check(name, fn)
with open(os.path.join(out_dir, "crosscheck.json"), "w") as f:
    json.dump(results, f, indent=2)
