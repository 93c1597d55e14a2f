"""A few GRPO learner steps in plain PyTorch, for the Java learner's parity test.

Reads a GPT-2 folder, a PEFT LoRA adapter folder and a batch (JSON: groups of single-turn
episodes with prompt, action, old log-probs and reward, and the group's importance weight), then
takes STEPS AdamW steps on the adapter's A and B (GRPO: group-normalised advantages with the
sample std + 1e-4, clipped token ratio, per-episode token mean, mean over episodes and groups,
times the weight; global grad-norm clipping) and writes each step's loss and the final adapter.
The policy is softmax(logits / TEMPERATURE), the distribution the episodes were sampled from.

usage: learner_reference.py MODEL_DIR ADAPTER_DIR BATCH_JSON STEPS LR CLIP OUT_FILE [TEMPERATURE]
"""
import json
import math
import sys

import torch

sys.path.insert(0, __file__.rsplit("/", 1)[0])
from gpt2_reference import read_safetensors, write_safetensors, gelu_new  # noqa: E402


def lora_linear(p, lora, scale, l, module, h):
    """Block l's Conv1D module on h, plus the LoRA path scale * (h A^T) B^T where the adapter has one."""
    y = h @ p[f"transformer.h.{l}.{module}.weight"] + p[f"transformer.h.{l}.{module}.bias"]
    a = lora.get(f"base_model.model.transformer.h.{l}.{module}.lora_A.weight")
    if a is not None:
        y = y + scale * ((h @ a.T) @ lora[f"base_model.model.transformer.h.{l}.{module}.lora_B.weight"].T)
    return y


def forward(p, lora, scale, cfg, tokens):
    L, H, C, eps = cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["layer_norm_epsilon"]
    T = tokens.shape[0]
    hs = C // H
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))

    def linear(l, module, h):
        return lora_linear(p, lora, scale, l, module, h)

    x = p["transformer.wte.weight"][tokens] + p["transformer.wpe.weight"][torch.arange(T)]
    for l in range(L):
        g = lambda n: p[f"transformer.h.{l}.{n}"]
        h = torch.nn.functional.layer_norm(x, (C,), g("ln_1.weight"), g("ln_1.bias"), eps)
        q, k, v = linear(l, "attn.c_attn", h).split(C, dim=1)
        q, k, v = (z.view(T, H, hs).transpose(0, 1) for z in (q, k, v))
        s = ((q @ k.transpose(-1, -2)) / math.sqrt(hs)).masked_fill(~mask, float("-inf"))
        y = (torch.softmax(s, dim=-1) @ v).transpose(0, 1).reshape(T, C)
        x = x + linear(l, "attn.c_proj", y)
        h = torch.nn.functional.layer_norm(x, (C,), g("ln_2.weight"), g("ln_2.bias"), eps)
        x = x + linear(l, "mlp.c_proj", gelu_new(linear(l, "mlp.c_fc", h)))
    x = torch.nn.functional.layer_norm(x, (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
    return x @ p.get("lm_head.weight", p["transformer.wte.weight"]).T


def grpo_loss(p, lora, scale, cfg, batch, temperature=1.0):
    """GRPO over the batch: sample-std group advantages, ratio clipped to [0.8, 1.2], token mean."""
    total = 0.0
    for group in batch["groups"]:
        rewards = torch.tensor([e["reward"] for e in group["episodes"]], dtype=torch.float64)
        adv = (rewards - rewards.mean()) / (rewards.std() + 1e-4)
        for e, a in zip(group["episodes"], adv):
            tokens = torch.tensor(e["prompt"] + e["action"])
            logits = forward(p, lora, scale, cfg, tokens)
            n, start = len(e["action"]), len(e["prompt"])
            logp = torch.log_softmax(logits[start - 1:start - 1 + n] / temperature, dim=-1)
            new = logp[torch.arange(n), torch.tensor(e["action"])]
            ratio = torch.exp(new - torch.tensor(e["old"]))
            obj = torch.minimum(ratio * a, torch.clamp(ratio, 0.8, 1.2) * a)
            total = total - group["weight"] * obj.mean() / (len(group["episodes"]) * len(batch["groups"]))
    return total


def load_trainable(model_dir, adapter_dir):
    """The model's config and parameters, and its LoRA tensors (requiring grad) with their scale."""
    cfg = json.load(open(f"{model_dir}/config.json"))
    acfg = json.load(open(f"{adapter_dir}/adapter_config.json"))
    p = read_safetensors(f"{model_dir}/model.safetensors")
    lora = read_safetensors(f"{adapter_dir}/adapter_model.safetensors")
    for t in lora.values():
        t.requires_grad_(True)
    return cfg, p, lora, acfg["lora_alpha"] / acfg["r"]


def main():
    model_dir, adapter_dir, batch_file, steps, lr, clip, out_file = sys.argv[1:8]
    temperature = float(sys.argv[8]) if len(sys.argv) > 8 else 1.0
    cfg, p, lora, scale = load_trainable(model_dir, adapter_dir)
    batch = json.load(open(batch_file))
    opt = torch.optim.AdamW(list(lora.values()), lr=float(lr), betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
    losses = []
    for _ in range(int(steps)):
        opt.zero_grad()
        total = grpo_loss(p, lora, scale, cfg, batch, temperature)
        total.backward()
        if float(clip) > 0:
            torch.nn.utils.clip_grad_norm_(list(lora.values()), float(clip))
        opt.step()
        losses.append(float(total))
    out = {"losses": torch.tensor(losses)}
    out.update({name: t for name, t in lora.items()})
    write_safetensors(out_file, out)


if __name__ == "__main__":
    main()
