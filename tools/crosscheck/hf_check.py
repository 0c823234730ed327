"""Checks what Hybrid writes against PyTorch, Hugging Face transformers and peft, which Hybrid itself never uses.

    python3 tools/crosscheck/hf_check.py WORK OUT_DIR [--device cuda]

WORK is a folder made by tools/crosscheck/prepare.sh. Needs torch, transformers, peft, tokenizers, safetensors and
onnxruntime. Each check prints one line and goes into OUT_DIR/crosscheck.json:

  logits   transformers' forward of a Hybrid checkpoint (Qwen2, Llama) vs Hybrid's ONNX export of it, run by onnxruntime
  peft     peft's PeftModel over the base with Hybrid's adapter folder (unmerged LoRA path) vs Hybrid's
           `export --merge-lora` folder; also peft's own key list against the adapter file's
  reward   transformers' *ForSequenceClassification score vs `hybrid score` on the exported reward model
  train    one optimizer step of `hybrid sft` (full, completion-only and whole-row; LoRA), `hybrid dpo` (sigmoid) and
           `hybrid reward` (Bradley-Terry) on 16 rows: the step's logged loss, metrics and gradient norm against
           PyTorch's on the same rows, and every parameter's change against the AdamW step PyTorch's gradient implies
           (at step 1, Δw = −lr·g/(|g| + ε) after clipping: an elementwise check of the gradient's sign and balance)
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


def tokenizer_of(folder):
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    eos = tok.token_to_id(json.load(open(os.path.join(folder, "tokenizer_config.json")))["eos_token"])
    return (lambda text: tok.encode(text, add_special_tokens=False).ids), eos


def jsonl(p):
    return [json.loads(l) for l in open(p)]


def first_metrics(run):
    return jsonl(os.path.join(run, "metrics.jsonl"))[0]


def response_logps(model, prompt, response):
    """Σ log p(response token | prefix) of one unpadded row."""
    ids = torch.tensor([prompt + response], device=device)
    logp = torch.log_softmax(model(ids).logits[0, :-1].float(), -1)          # [T−1, V] predicts token t+1
    targets = ids[0, 1:]
    picked = logp.gather(-1, targets[:, None])[:, 0]                        # [T−1]
    return picked[len(prompt) - 1:].sum()


def grad_norm(params):
    return float(torch.sqrt(sum((p.grad.double() ** 2).sum() for p in params if p.grad is not None)))


def adam_step_check(named_grads, before, after, lr, max_norm=1.0):
    """after − before vs AdamW's first step from these gradients (β's and ε at their defaults, no weight decay)."""
    total = math.sqrt(sum(float((g.double() ** 2).sum()) for g in named_grads.values()))
    scale = min(1.0, max_norm / (total + 1e-6))
    worst, n, off, off_g, abs_g = 0.0, 0, 0, 0.0, []
    for name, g in named_grads.items():
        g = g.double() * scale
        predicted = -lr * g / (g.abs() + 1e-8)
        delta = after[name].double() - before[name].double()
        err = (delta - predicted).abs() / lr
        worst = max(worst, float(err.max()))
        off += int((err > 0.01).sum())
        if (err > 0.01).any():
            off_g = max(off_g, float(g.abs()[err > 0.01].max()))
        abs_g.append(g.abs().flatten())
        n += g.numel()
    # Where |g| is within a few ε of 0, g/(|g| + ε) turns on g's last bits, so fp32 summation order shows there.
    return {"params": n, "max_err_over_lr": worst, "elements_off_by_over_1pct_of_lr": off,
            "largest_abs_grad_among_them": off_g, "median_abs_grad": float(torch.cat(abs_g).median())}


def tensors(folder, file="model.safetensors"):
    with safe_open(os.path.join(folder, file), "pt") as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def hf_named(model):
    """transformers' parameter names → the checkpoint's (tied heads appear once, under the embedding's name)."""
    return {n: p for n, p in model.named_parameters()}




def sft_loss(model, encode, eos, rows, completion_only=True):
    """Σ cross-entropy over trainable targets ÷ their count (prompt ✗ with completion-only loss, EOS ✓), and the share
    of those targets the argmax predicts."""
    losses, count, correct = [], 0, 0
    for r in rows:
        p, c = encode(r["prompt"]), encode(r["completion"])
        ids = p + c + [eos]
        train = [not completion_only] * len(p) + [True] * (len(c) + 1)
        logits = model(input_ids=torch.tensor([ids], device=device)).logits[0, :-1].float()   # [T−1, V] predicts token t+1
        targets = torch.tensor(ids[1:], device=device)
        mask = torch.tensor(train[1:], device=device)
        losses.append(torch.nn.functional.cross_entropy(logits, targets, reduction="none")[mask].sum())
        count += int(mask.sum())
        correct += int((logits.argmax(-1)[mask] == targets[mask]).sum())
    return torch.stack(losses).sum() / count, correct / count


@torch.enable_grad()
def train_sft():
    sft_rows = jsonl(path("data", "sft16.jsonl"))
    # SFT, full fine-tuning, completion-only (Qwen2) and whole-row (Llama).
    for run, base, completion_only in [("step-sft", "qwen", True), ("step-sft-full", "llama", False)]:
        model = load_causal(path(base))
        encode, eos = tokenizer_of(path(base))
        loss, token_acc = sft_loss(model, encode, eos, sft_rows, completion_only)
        loss.backward()
        m = first_metrics(path(run))
        params = hf_named(model)
        grads = {n: p.grad.detach().cpu() for n, p in params.items()}
        before, after = tensors(path(base)), tensors(path(run))
        report(f"train/{run}", {"loss_hf": float(loss.detach()), "loss_hybrid": m["loss"], "grad_norm_hf": grad_norm(params.values()),
                                "grad_norm_hybrid": m["grad_norm"], "token_acc_hf": token_acc,
                                "token_acc_hybrid": m["mean_token_accuracy"],
                                "adam_step": adam_step_check({n: g for n, g in grads.items() if n in after}, before, after, m["learning_rate"])})


@torch.enable_grad()
def train_lora():
    sft_rows = jsonl(path("data", "sft16.jsonl"))
    # LoRA SFT: the adapter's A as Hybrid initialised it (unchanged by step 1, where B = 0 gives A no gradient), B = 0.
    from peft import PeftModel
    model = load_causal(path("qwen"))
    encode, eos = tokenizer_of(path("qwen"))
    model = PeftModel.from_pretrained(model, path("step-lora"), is_trainable=True).to(device)
    after = tensors(path("step-lora"), "adapter_model.safetensors")
    for n, p in model.named_parameters():
        if "lora_B" in n:
            p.data.zero_()
    loss, _ = sft_loss(model, encode, eos, sft_rows)
    loss.backward()
    m = first_metrics(path("step-lora"))
    trainable = {n: p for n, p in model.named_parameters() if p.requires_grad}
    # peft's names carry the adapter name ("…lora_A.default.weight"); the file's do not.
    grads = {n.replace(".default", ""): p.grad.detach().cpu() for n, p in trainable.items()}
    before = {k: (torch.zeros_like(v) if "lora_B" in k else v) for k, v in after.items()}
    report("train/step-lora", {"loss_hf": float(loss.detach()), "loss_hybrid": m["loss"], "grad_norm_hf": grad_norm(trainable.values()),
                               "grad_norm_hybrid": m["grad_norm"], "trainable_tensors": len(trainable),
                               "adam_step": adam_step_check({n: g for n, g in grads.items() if n in after}, before, after, m["learning_rate"])})


@torch.enable_grad()
def train_dpo():
    pref_rows = jsonl(path("data", "prefs16.jsonl"))
    # DPO (sigmoid, β 0.1): at step 1 the policy is the reference, so the loss is log 2 and the gradient is
    # −β/2 · mean ∇(log π(chosen) − log π(rejected)); logps/* are the policy's summed response log-probs.
    model = load_causal(path("qwen"))
    encode, eos = tokenizer_of(path("qwen"))
    beta, chosen, rejected, losses = 0.1, [], [], []
    for r in pref_rows:
        p = encode(r["prompt"])
        lc = response_logps(model, p, encode(r["chosen"]) + [eos])
        lr_ = response_logps(model, p, encode(r["rejected"]) + [eos])
        h = (lc - lc.detach()) - (lr_ - lr_.detach())
        losses.append(-torch.nn.functional.logsigmoid(beta * h))
        chosen.append(float(lc)); rejected.append(float(lr_))
    loss = torch.stack(losses).mean()
    loss.backward()
    m = first_metrics(path("step-dpo"))
    params = hf_named(model)
    after = tensors(path("step-dpo"))
    report("train/step-dpo", {"loss_hf": float(loss.detach()), "loss_hybrid": m["loss"], "grad_norm_hf": grad_norm(params.values()),
                              "grad_norm_hybrid": m["grad_norm"], "logps_chosen_hf": sum(chosen) / len(chosen),
                              "logps_chosen_hybrid": m["logps/chosen"], "logps_rejected_hf": sum(rejected) / len(rejected),
                              "logps_rejected_hybrid": m["logps/rejected"],
                              "adam_step": adam_step_check({n: p.grad.detach().cpu() for n, p in params.items() if n in after},
                                                           tensors(path("qwen")), after, m["learning_rate"])})


@torch.enable_grad()
def train_rm():
    pref_rows = jsonl(path("data", "prefs16.jsonl"))
    # Reward model (Bradley-Terry): score = the head at the last token of prompt + response (no EOS).
    model = AutoModelForSequenceClassification.from_pretrained(path("rm"), dtype=torch.float32, attn_implementation="eager", num_labels=1).to(device).eval()
    encode, _ = tokenizer_of(path("rm"))
    score = lambda text: model(torch.tensor([encode(text)], device=device)).logits[0, 0]
    rc = torch.stack([score(r["prompt"] + r["chosen"]) for r in pref_rows])
    rr = torch.stack([score(r["prompt"] + r["rejected"]) for r in pref_rows])
    loss = -torch.nn.functional.logsigmoid(rc - rr).mean()
    loss.backward()
    m = first_metrics(path("step-rm"))
    params = hf_named(model)
    after = tensors(path("step-rm"))
    both = torch.cat([rc, rr]).detach()
    report("train/step-rm", {"loss_hf": float(loss.detach()), "loss_hybrid": m["loss"], "grad_norm_hf": grad_norm(params.values()),
                             "grad_norm_hybrid": m["grad_norm"], "accuracy_hf": float((rc > rr).float().mean()), "accuracy_hybrid": m["accuracy"],
                             "margin_hf": float((rc - rr).mean()), "margin_hybrid": m["margin"],
                             "min_max_reward_hf": [float(both.min()), float(both.max())], "min_max_reward_hybrid": [m["min_reward"], m["max_reward"]],
                             "adam_step": adam_step_check({n: p.grad.detach().cpu() for n, p in params.items() if n in after},
                                                          tensors(path("rm")), after, m["learning_rate"])})


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


for name, fn in [("logits", logits_check), ("peft", peft_check), ("reward", reward_check), ("train_sft", train_sft), ("train_lora", train_lora), ("train_dpo", train_dpo), ("train_rm", train_rm), ("greedy", greedy_check)]:
    check(name, fn)
with open(os.path.join(out_dir, "crosscheck.json"), "w") as f:
    json.dump(results, f, indent=2)
