"""GPT-2 reference in plain PyTorch, for the Java model's parity test.

Reads a Hugging Face model folder (config.json, model.safetensors) and a token file, computes
what GPT2LMHeadModel computes (written out op by op, as llm.c's test does), the mean
cross-entropy of predicting each next token, and the gradient of that loss with respect to
every parameter; writes logits, loss and gradients to a safetensors file.

usage: gpt2_reference.py MODEL_DIR TOKENS_FILE OUT_FILE
"""
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


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def main():
    model_dir, tokens_file, out_file = sys.argv[1:4]
    cfg = json.load(open(f"{model_dir}/config.json"))
    p = read_safetensors(f"{model_dir}/model.safetensors")
    for t in p.values():
        t.requires_grad_(True)
    tokens = torch.tensor([int(x) for x in open(tokens_file).read().split(",")])
    L, H, C, eps = cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["layer_norm_epsilon"]
    T = tokens.shape[0]
    hs = C // H
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))

    x = p["transformer.wte.weight"][tokens] + p["transformer.wpe.weight"][torch.arange(T)]
    for l in range(L):
        g = lambda n: p[f"transformer.h.{l}.{n}"]
        h = torch.nn.functional.layer_norm(x, (C,), g("ln_1.weight"), g("ln_1.bias"), eps)
        qkv = h @ g("attn.c_attn.weight") + g("attn.c_attn.bias")
        q, k, v = qkv.split(C, dim=1)
        q, k, v = (z.view(T, H, hs).transpose(0, 1) for z in (q, k, v))
        scores = (q @ k.transpose(-1, -2)) / math.sqrt(hs)
        scores = scores.masked_fill(~mask, float("-inf"))
        y = torch.softmax(scores, dim=-1) @ v
        y = y.transpose(0, 1).reshape(T, C)
        x = x + (y @ g("attn.c_proj.weight") + g("attn.c_proj.bias"))
        h = torch.nn.functional.layer_norm(x, (C,), g("ln_2.weight"), g("ln_2.bias"), eps)
        h = gelu_new(h @ g("mlp.c_fc.weight") + g("mlp.c_fc.bias"))
        x = x + (h @ g("mlp.c_proj.weight") + g("mlp.c_proj.bias"))
    x = torch.nn.functional.layer_norm(x, (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
    head = p.get("lm_head.weight", p["transformer.wte.weight"])
    logits = x @ head.T
    loss = torch.nn.functional.cross_entropy(logits[:-1], tokens[1:])
    loss.backward()
    out = {"logits": logits, "loss": loss.reshape(1)}
    for name, t in p.items():
        out["grad." + name] = t.grad
    write_safetensors(out_file, out)


if __name__ == "__main__":
    torch.manual_seed(0)
    main()
