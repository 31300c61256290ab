"""Training throughput and peak memory: LoRA vs full SFT, bf16 autocast vs fp32, on the embedded base.

    python benchmarks/train_speed.py [--steps 4] [--batch 4] [--runs 2]

Each setting runs in its own process (so peak RSS is its own), settings interleaved run by run; the same
batch of training records (data/train.jsonl, encoded as hesui train encodes them) every step. Prints a table and
writes benchmarks/results/train_speed.json. Step 1 is warm-up and not timed.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

SETTINGS = [("lora", True), ("lora", False), ("full", True), ("full", False)]
RESULTS = Path(__file__).parent / "results" / "train_speed.json"


def one(method: str, bf16: bool, steps: int, batch: int) -> dict:
    import torch

    from hesui.model import registry
    from hesui.train.config import TrainConfig
    from hesui.train.dataset import PadCollator, encode
    from hesui.train.common import prepare_model

    model, tok = registry.load(registry.resolve(None))
    model = prepare_model(model, TrainConfig(adapter=method)).train()
    records = [json.loads(l) for l in Path("data/train.jsonl").read_text(encoding="utf-8").splitlines()[:batch]]
    inputs = PadCollator(tok.pad_token_id or tok.eos_token_id)([encode(r, tok) for r in records])
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-5)
    times = []
    for _ in range(steps):
        t0 = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            loss = model(**inputs).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
    tokens = int(inputs["attention_mask"].sum())
    return {"method": method, "bf16": bf16, "tokens_per_step": tokens,
            "tokens_per_s": round(tokens / statistics.median(times[1:]), 1),
            "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, 2),
            "trainable_params": sum(p.numel() for p in params)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=4, help="optimizer steps per setting (the first is warm-up)")
    ap.add_argument("--batch", type=int, default=4, help="records per step")
    ap.add_argument("--runs", type=int, default=2, help="rounds over all settings, interleaved")
    ap.add_argument("--one", nargs=2, metavar=("METHOD", "BF16"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1] == "1", args.steps, args.batch)))
        return
    rows: dict[tuple, list[dict]] = {}
    for run in range(args.runs):
        for method, bf16 in SETTINGS:
            cmd = [sys.executable, __file__, "--one", method, "1" if bf16 else "0", "--steps", str(args.steps),
                   "--batch", str(args.batch)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            rows.setdefault((method, bf16), []).append(json.loads(out))
            print(f"run {run + 1}: {method:4} {'bf16' if bf16 else 'fp32'} {rows[(method, bf16)][-1]}", file=sys.stderr)
    table = [{"method": m, "precision": "bf16 autocast" if b else "fp32",
              "tokens_per_s_median": round(statistics.median(r["tokens_per_s"] for r in rs), 1),
              "tokens_per_s_runs": [r["tokens_per_s"] for r in rs],
              "peak_rss_gb": max(r["peak_rss_gb"] for r in rs), "trainable_params": rs[0]["trainable_params"]}
             for (m, b), rs in rows.items()]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"steps": args.steps, "batch": args.batch, "runs": args.runs, "settings": table},
                                  indent=1), encoding="utf-8")
    print("| method | precision | tokens/s (median) | runs | peak RSS (GB) | trainable params |")
    print("|---|---|---|---|---|---|")
    for t in table:
        print(f"| {t['method']} | {t['precision']} | {t['tokens_per_s_median']} | {t['tokens_per_s_runs']} | "
              f"{t['peak_rss_gb']} | {t['trainable_params']:,} |")


if __name__ == "__main__":
    main()
