"""The fastest LoRA or full SFT can train on this machine: measured matmul peak ÷ FLOPs per trained token.

    python benchmarks/train_ceiling.py [--runs 5] [--tokens 512]

Times bf16 and fp32 matmuls of the base model's own shapes (tokens × hidden → q/k/v/o, MLP, the vocabulary head)
and counts the FLOPs a training token costs, from the model's config:
- forward: 2 FLOPs per weight of every linear layer (the head only for answer tokens: the loss window);
- backward, LoRA: 2 more per weight for the activations' gradient (frozen weights get no gradient of their own);
- backward, full SFT: 4 more per weight (activations' and weights' gradients).
Attention scores, norms and the optimizer are left out, so the ceilings are upper bounds; a real record, part prompt
and part answer, lies between the two printed for each setting. Settings interleaved run
by run; prints medians and writes benchmarks/results/train_ceiling.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "train_ceiling.json"


def linear_shapes(cfg) -> dict[str, list[tuple[int, int]]]:
    """The (in, out) features of every linear layer, as {"layers": per-layer shapes, "head": the vocabulary head}."""
    d, heads, kv = cfg.hidden_size, cfg.num_attention_heads, cfg.num_key_value_heads
    head_dim = getattr(cfg, "head_dim", None) or d // heads
    one = [(d, heads * head_dim), (d, kv * head_dim), (d, kv * head_dim), (heads * head_dim, d),
           (d, cfg.intermediate_size), (d, cfg.intermediate_size), (cfg.intermediate_size, d)]
    return {"layers": one * cfg.num_hidden_layers, "head": [(d, cfg.vocab_size)]}


def flops_per_token(shapes: dict, method: str, *, answer: bool = True) -> float:
    """Training FLOPs per token: an answer token goes through the vocabulary head, a prompt token does not (the
    trainer computes logits for the answer window only)."""
    weights = sum(i * o for i, o in shapes["layers"] + (shapes["head"] if answer else []))
    backward = 2 if method == "lora" else 4
    return (2 + backward) * weights


def matmul_gflops(shapes: dict, tokens: int, dtype, reps: int = 3) -> float:
    """GFLOP/s of one forward pass through the model's linear layers, ``tokens`` rows at a time.

    Each distinct (in, out) shape is timed over ``reps`` calls after a warm-up; the pass's time is the sum over
    layers of its shape's time per call."""
    import torch

    count: dict[tuple[int, int], int] = {}
    for s in shapes["layers"] + shapes["head"]:
        count[s] = count.get(s, 0) + 1
    seconds = flops = 0.0
    for (i, o), n in count.items():
        x, w = torch.randn(tokens, i, dtype=dtype), torch.randn(i, o, dtype=dtype)
        x @ w  # warm-up
        t0 = time.perf_counter()
        for _ in range(reps):
            x @ w
        seconds += n * (time.perf_counter() - t0) / reps
        flops += n * 2 * tokens * i * o
    return flops / seconds / 1e9


def main() -> None:
    import torch

    from hesui.model import registry

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="timed runs per dtype (medians are quoted)")
    ap.add_argument("--tokens", type=int, default=512, help="rows per matmul: the tokens of one training record")
    args = ap.parse_args()
    source = registry.resolve(None)
    model, _ = registry.load(source)  # the converted config of the embedded base
    shapes = linear_shapes(model.config)
    del model
    runs = {"bf16": [], "fp32": []}
    for _ in range(args.runs):  # interleaved
        runs["bf16"].append(matmul_gflops(shapes, args.tokens, torch.bfloat16))
        runs["fp32"].append(matmul_gflops(shapes, args.tokens, torch.float32))
    peak = {k: statistics.median(v) for k, v in runs.items()}
    result = {"cores": torch.get_num_threads(), "tokens": args.tokens, "runs": args.runs,
              "gflops_median": {k: round(v, 1) for k, v in peak.items()},
              "gflops_runs": {k: [round(x, 1) for x in v] for k, v in runs.items()}, "ceiling_tokens_per_s": {}}
    print(f"matmul, {args.tokens} tokens, medians of {args.runs}: bf16 {peak['bf16']:.0f} GFLOP/s, "
          f"fp32 {peak['fp32']:.0f} GFLOP/s")
    for method in ("lora", "full"):
        answer, prompt = flops_per_token(shapes, method), flops_per_token(shapes, method, answer=False)
        for dtype, g in peak.items():
            hi, lo = g * 1e9 / prompt, g * 1e9 / answer
            result["ceiling_tokens_per_s"][f"{method}_{dtype}"] = {"answer_tokens": round(lo, 1),
                                                                  "prompt_tokens": round(hi, 1)}
            print(f"{method:4} {dtype}: {answer / 1e9:.2f} GFLOP per answer token, {prompt / 1e9:.2f} per prompt token "
                  f"-> at most {lo:.0f} tokens/s if all are answer, {hi:.0f} if all are prompt")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written: {RESULTS}")


if __name__ == "__main__":
    main()
