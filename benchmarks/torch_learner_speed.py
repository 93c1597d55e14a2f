"""PyTorch on the CPU doing exactly the work LearnerSpeedRun did in Java: one LoRA GRPO AdamW
step on the same model, adapter and batch, and generation of the same number of tokens with a
key/value cache. Prints one line like the Java side's.

usage: torch_learner_speed.py SHAPE DIR THREADS
"""
import json
import math
import resource
import sys
import time

import torch

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/src/test/python")
from gpt2_reference import gelu_new  # noqa: E402
from learner_reference import grpo_loss, load_trainable, lora_linear  # noqa: E402


@torch.no_grad()
def generate(p, lora, scale, cfg, prompt, samples, new_tokens, seed):
    """Incremental decoding with a per-sample key/value cache, as the Java generator does."""
    L, H, C, eps = cfg["n_layer"], cfg["n_head"], cfg["n_embd"], cfg["layer_norm_epsilon"]
    hs = C // H

    def linear(l, module, h):
        return lora_linear(p, lora, scale, l, module, h)

    def step(tokens, pos, cache):
        # tokens: [G, T_new] at positions pos..; cache: per layer (k, v) [G, H, T, hs]
        G, T = tokens.shape
        x = p["transformer.wte.weight"][tokens] + p["transformer.wpe.weight"][torch.arange(pos, pos + T)]
        for l in range(L):
            g = lambda n: p[f"transformer.h.{l}.{n}"]
            h = torch.nn.functional.layer_norm(x, (C,), g("ln_1.weight"), g("ln_1.bias"), eps)
            q, k, v = linear(l, "attn.c_attn", h).split(C, dim=2)
            q, k, v = (z.view(G, T, H, hs).transpose(1, 2) for z in (q, k, v))
            if cache[l] is not None:
                k = torch.cat([cache[l][0], k], dim=2)
                v = torch.cat([cache[l][1], v], dim=2)
            cache[l] = (k, v)
            total = k.shape[2]
            mask = torch.ones(T, total, dtype=torch.bool).tril(total - T)
            s = ((q @ k.transpose(-1, -2)) / math.sqrt(hs)).masked_fill(~mask, float("-inf"))
            y = (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(G, T, C)
            x = x + linear(l, "attn.c_proj", y)
            h = torch.nn.functional.layer_norm(x, (C,), g("ln_2.weight"), g("ln_2.bias"), eps)
            x = x + linear(l, "mlp.c_proj", gelu_new(linear(l, "mlp.c_fc", h)))
        x = torch.nn.functional.layer_norm(x[:, -1], (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], eps)
        return x @ p["transformer.wte.weight"].T

    gen = torch.Generator().manual_seed(seed)
    cache = [None] * L
    # the prompt once, its cache copied to every sample (expand shares it)
    logits = step(torch.tensor([prompt]), 0, cache)
    cache = [(k.expand(samples, -1, -1, -1), v.expand(samples, -1, -1, -1)) for k, v in cache]
    logits = logits.expand(samples, -1)
    produced = 0
    pos = len(prompt)
    for _ in range(new_tokens):
        probs = torch.softmax(logits, dim=-1)
        nxt = torch.multinomial(probs, 1, generator=gen)
        produced += samples
        logits = step(nxt, pos, cache)
        pos += 1
    return produced


def main():
    shape, d, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
    torch.set_num_threads(threads)
    cfg, p, lora, scale = load_trainable(f"{d}/model", f"{d}/adapter")
    batch = json.load(open(f"{d}/batch.json"))
    opt = torch.optim.AdamW(list(lora.values()), lr=1e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)

    def learner_step():
        opt.zero_grad()
        grpo_loss(p, lora, scale, cfg, batch).backward()
        torch.nn.utils.clip_grad_norm_(list(lora.values()), 1.0)
        opt.step()

    steps = 2 if shape == "124m" else 10
    learner_step()
    t0 = time.perf_counter()
    for _ in range(steps):
        learner_step()
    step_ms = (time.perf_counter() - t0) * 1000 / steps

    prompt = batch["groups"][0]["episodes"][0]["prompt"]
    samples, new_tokens = len(batch["groups"][0]["episodes"]), len(batch["groups"][0]["episodes"][0]["action"])
    generate(p, lora, scale, cfg, prompt, samples, new_tokens, 5)
    reps = 1 if shape == "124m" else 5
    t0 = time.perf_counter()
    produced = sum(generate(p, lora, scale, cfg, prompt, samples, new_tokens, 5) for _ in range(reps))
    tps = produced / (time.perf_counter() - t0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"torch {shape} threads={threads} step_ms={step_ms:.1f} gen_tokens_per_s={tps:.1f} peak_rss_mb={peak}")


if __name__ == "__main__":
    main()
