"""GPT-2 reference in plain PyTorch, for the Java model's parity test.

Reads a Hugging Face model folder (config.json, model.safetensors) and a token file, computes
what GPT2LMHeadModel computes (written out op by op, as llm.c's test does), the mean
cross-entropy of predicting each next token, and the gradient of that loss with respect to
every parameter; writes logits, loss and gradients to a safetensors file.

With ADAPTER_DIR, a PEFT LoRA adapter is applied: base(x) + (alpha/r)·(x·Aᵀ)·Bᵀ at each
targeted module, and its tensors get gradients too. An ADAPTER_DIR without adapter_config.json
gets a random adapter written there first, in PEFT's layout, for the Java side to load.

usage: gpt2_reference.py MODEL_DIR TOKENS_FILE OUT_FILE [ADAPTER_DIR]
"""
import os
import json
import math
import struct
import sys

import numpy as np
import torch


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", t["dtype"]
        b, e = t["data_offsets"]
        arr = np.frombuffer(data[base + b:base + e], dtype="<f4").reshape(t["shape"])
        out[name] = torch.tensor(arr.copy())
    return out


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name].detach().numpy().astype("<f4"))
        header[name] = {"dtype": "F32", "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        blobs.append(a.tobytes())
        offset += a.nbytes
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


MODULES = ["attn.c_attn", "attn.c_proj", "mlp.c_fc", "mlp.c_proj"]


def make_adapter(adapter_dir, cfg):
    """A random LoRA adapter in PEFT's layout (B non-zero, so that it changes the model)."""
    os.makedirs(adapter_dir, exist_ok=True)
    r, alpha, C = 4, 8, cfg["n_embd"]
    shapes = {"attn.c_attn": (C, 3 * C), "attn.c_proj": (C, C), "mlp.c_fc": (C, 4 * C), "mlp.c_proj": (4 * C, C)}
    gen = torch.Generator().manual_seed(1234)
    tensors = {}
    for l in range(cfg["n_layer"]):
        for m in MODULES:
            fan_in, fan_out = shapes[m]
            name = f"base_model.model.transformer.h.{l}.{m}"
            tensors[f"{name}.lora_A.weight"] = torch.randn(r, fan_in, generator=gen) * 0.1
            tensors[f"{name}.lora_B.weight"] = torch.randn(fan_out, r, generator=gen) * 0.1
    config = {"peft_type": "LORA", "task_type": "CAUSAL_LM", "r": r, "lora_alpha": alpha, "lora_dropout": 0.0,
              "target_modules": ["c_attn", "c_proj", "c_fc"], "fan_in_fan_out": True, "bias": "none",
              "modules_to_save": None, "base_model_name_or_path": "test", "use_rslora": False, "use_dora": False,
              "rank_pattern": {}, "alpha_pattern": {}, "inference_mode": True}
    json.dump(config, open(f"{adapter_dir}/adapter_config.json", "w"))
    write_safetensors(f"{adapter_dir}/adapter_model.safetensors", tensors)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def main():
    model_dir, tokens_file, out_file = sys.argv[1:4]
    adapter_dir = sys.argv[4] if len(sys.argv) > 4 else None
    cfg = json.load(open(f"{model_dir}/config.json"))
    p = read_safetensors(f"{model_dir}/model.safetensors")
    lora, scale = {}, 0.0
    if adapter_dir:
        if not os.path.exists(f"{adapter_dir}/adapter_config.json"):
            make_adapter(adapter_dir, cfg)
        acfg = json.load(open(f"{adapter_dir}/adapter_config.json"))
        lora = read_safetensors(f"{adapter_dir}/adapter_model.safetensors")
        scale = acfg["lora_alpha"] / acfg["r"]
        # modules_to_save and biases travel whole, as base_model.model.<name>, and replace the base's
        for name in [n for n in lora if ".lora_" not in n]:
            p[name[len("base_model.model."):]] = lora.pop(name)
    for t in list(p.values()) + list(lora.values()):
        t.requires_grad_(True)

    def linear(l, module, h):
        y = h @ p[f"transformer.h.{l}.{module}.weight"] + p[f"transformer.h.{l}.{module}.bias"]
        a = lora.get(f"base_model.model.transformer.h.{l}.{module}.lora_A.weight")
        if a is not None:
            b = lora[f"base_model.model.transformer.h.{l}.{module}.lora_B.weight"]
            y = y + scale * ((h @ a.T) @ b.T)
        return y
    tokens = torch.tensor([int(x) for x in open(tokens_file).read().split(",")])
    L, H, C, eps = cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["layer_norm_epsilon"]
    T = tokens.shape[0]
    hs = C // H
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))

    x = p["transformer.wte.weight"][tokens] + p["transformer.wpe.weight"][torch.arange(T)]
    for l in range(L):
        g = lambda n: p[f"transformer.h.{l}.{n}"]
        h = torch.nn.functional.layer_norm(x, (C,), g("ln_1.weight"), g("ln_1.bias"), eps)
        qkv = linear(l, "attn.c_attn", h)
        q, k, v = qkv.split(C, dim=1)
        q, k, v = (z.view(T, H, hs).transpose(0, 1) for z in (q, k, v))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hs)
        scores = scores.masked_fill(~mask, float("-inf"))
        y = torch.softmax(scores, dim=-1) @ v
        y = y.transpose(0, 1).reshape(T, C)
        x = x + linear(l, "attn.c_proj", y)
        h = torch.nn.functional.layer_norm(x, (C,), g("ln_2.weight"), g("ln_2.bias"), eps)
        h = gelu_new(linear(l, "mlp.c_fc", h))
        x = x + linear(l, "mlp.c_proj", h)
    x = torch.nn.functional.layer_norm(x, (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
    head = p.get("lm_head.weight", p["transformer.wte.weight"])
    logits = x @ head.T
    loss = torch.nn.functional.cross_entropy(logits[:-1], tokens[1:])
    loss.backward()
    out = {"logits": logits, "loss": loss.reshape(1)}
    for name, t in list(p.items()) + list(lora.items()):
        out["grad." + name] = t.grad
    write_safetensors(out_file, out)


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
