"""Decode speed, time to first token, and the time to write a 50-字 greeting, on the default model.

    python benchmarks/speed.py [--runs 5]
    python benchmarks/speed.py --adapter models/hesui-lora [--runs 5]

Medians over --runs repetitions (the machine is shared and noisy). Compares plain bf16 weights with the int8
weight-only layers hesui decodes with (hesui/generate/quant.py). Writes benchmarks/results/speed.json.
With --adapter it compares the base with base + that adapter instead (merged before int8, so decoding should
cost the same), the two measured in turn within each run, and writes benchmarks/results/speed_adapter.json.
"""
from __future__ import annotations

import argparse
import json
import time

import torch
from _common import RESULTS, median
from transformers import DynamicCache

from hesui.generate.engine import SamplingConfig, TransformersEngine
from hesui.length import count
from hesui.model.chat import build_messages, render_prompt
from hesui.length import parse

PROMPT = "给同事写一条50字以内的拜年短信"
STEPS = 48


def prompt_ids(engine, batch: int) -> torch.Tensor:
    text = render_prompt(engine.tokenizer, build_messages(PROMPT, parse(PROMPT)))
    return engine.tokenizer([text] * batch, return_tensors="pt").input_ids


@torch.inference_mode()
def decode_rate(engine, batch: int) -> float:
    """Tokens per second over STEPS greedy steps after the prompt (all rows counted)."""
    model, ids = engine.model, prompt_ids(engine, batch)
    cache = DynamicCache()
    nxt = model(input_ids=ids, past_key_values=cache, use_cache=True).logits[:, -1:].argmax(-1)
    start = time.perf_counter()
    for _ in range(STEPS):
        nxt = model(input_ids=nxt, past_key_values=cache, use_cache=True).logits[:, -1:].argmax(-1)
    return batch * STEPS / (time.perf_counter() - start)


@torch.inference_mode()
def first_token_seconds(engine) -> float:
    ids = prompt_ids(engine, 1)
    start = time.perf_counter()
    engine.model(input_ids=ids, use_cache=True).logits[:, -1].argmax(-1)
    return time.perf_counter() - start


def greeting(engine, seed: int) -> tuple[float, int, bool]:
    answer = engine.write(PROMPT, SamplingConfig(seed=seed))
    return answer.seconds, count(answer.text), bool(answer.ok)


def controlled_rate(engine, seed: int) -> float:
    """End to end through the controller, one candidate: tokens / seconds for a 300-字 essay."""
    answer = engine.write("辅导孩子写300字过年作文", SamplingConfig(seed=seed, n_candidates=1, max_attempts=1))
    return answer.tokens / answer.seconds


def measure(engine, runs: int, with_greeting: bool) -> dict:
    out = {
        "decode_tokens_per_s_batch1": median([decode_rate(engine, 1) for _ in range(runs)]),
        "decode_tokens_per_s_batch8": median([decode_rate(engine, 8) for _ in range(runs)]),
        "first_token_s": median([first_token_seconds(engine) for _ in range(runs)]),
    }
    if with_greeting:
        results = [greeting(engine, seed) for seed in range(runs)]
        out["greeting_50_s"] = median([r[0] for r in results])
        out["greeting_50_chars"] = [r[1] for r in results]
        out["greeting_50_ok"] = sum(r[2] for r in results)
        out["controlled_tokens_per_s_batch1"] = median([controlled_rate(engine, seed) for seed in range(runs)])
    return out


def adapter_vs_base(adapter: str, runs: int) -> dict:
    """Decode rate, first token and the 50-字 greeting for the base and base + adapter, interleaved."""
    engines = {"base": TransformersEngine.load(), "adapter": TransformersEngine.load(adapter=adapter)}
    rows: dict[str, dict[str, list]] = {name: {"decode": [], "first": [], "greeting": []} for name in engines}
    for run in range(runs):
        for name, engine in engines.items():
            rows[name]["decode"].append(decode_rate(engine, 1))
            rows[name]["first"].append(first_token_seconds(engine))
            rows[name]["greeting"].append(greeting(engine, run))
    return {name: {"decode_tokens_per_s_batch1": median(r["decode"]), "first_token_s": median(r["first"]),
                   "greeting_50_s": median([g[0] for g in r["greeting"]]),
                   "greeting_50_chars": [g[1] for g in r["greeting"]],
                   "greeting_50_ok": sum(g[2] for g in r["greeting"])} for name, r in rows.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--adapter", help="compare the base with base + this LoRA adapter")
    args = ap.parse_args()
    torch.set_num_threads(torch.get_num_threads())
    if args.adapter:
        results = {"runs": args.runs, "threads": torch.get_num_threads(), "adapter": args.adapter,
                   **adapter_vs_base(args.adapter, args.runs)}
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "speed_adapter.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
        for name in ("base", "adapter"):
            r = results[name]
            print(f"{name}: decode {r['decode_tokens_per_s_batch1']:.1f} tok/s, first token {r['first_token_s']:.2f} s, "
                  f"50-字 greeting {r['greeting_50_s']:.2f} s (lengths {r['greeting_50_chars']})")
        return
    results = {"runs": args.runs, "threads": torch.get_num_threads()}
    results["bf16"] = measure(TransformersEngine.load(int8=False), args.runs, with_greeting=False)
    results["int8"] = measure(TransformersEngine.load(), args.runs, with_greeting=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    for name in ("bf16", "int8"):
        r = results[name]
        print(f"{name}: decode {r['decode_tokens_per_s_batch1']:.1f} tok/s (batch 1), "
              f"{r['decode_tokens_per_s_batch8']:.1f} tok/s (batch 8), first token {r['first_token_s']:.2f} s")
    r = results["int8"]
    print(f"50-字 greeting: {r['greeting_50_s']:.2f} s median, lengths {r['greeting_50_chars']}; "
          f"with the controller, one candidate: {r['controlled_tokens_per_s_batch1']:.1f} tok/s")


if __name__ == "__main__":
    main()
