"""What the answer-window logits and LoRA dropout cost a CPU training step, on real training records.

    python benchmarks/train_window.py [--records 6] [--runs 3]

One LoRA model on the embedded base; forward and backward (bf16 autocast, batch 1) over the same records in three
settings, interleaved run by run: logits for every position with dropout 0.05 (the trainer before), logits for the
answer window with dropout 0.05, and the answer window without dropout (today's defaults). Medians of tokens/s;
writes benchmarks/results/train_window.json.
"""
from __future__ import annotations

import argparse
import json
import time

import torch
from _common import RESULTS, median

from hesui.model import registry
from hesui.train.config import TrainConfig
from hesui.train.dataset import PadCollator, encode
from hesui.train.common import prepare_model

SETTINGS = {"all logits, dropout 0.05": (False, 0.05), "answer window, dropout 0.05": (True, 0.05),
            "answer window, no dropout": (True, 0.0)}


def set_dropout(model, p: float) -> None:
    for module in model.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = p


def tokens_per_s(model, batches: list[dict], window: bool) -> float:
    start, tokens = time.perf_counter(), 0
    for b in batches:
        if not window:  # every position's logits, labels as long as the input
            b = {"input_ids": b["input_ids"], "attention_mask": b["attention_mask"], "labels": b["full_labels"]}
        else:
            b = {k: v for k, v in b.items() if k != "full_labels"}
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = model(**b).loss
        loss.backward()
        model.zero_grad(set_to_none=True)
        tokens += b["input_ids"].shape[1]
    return tokens / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=6, help="training records of 200–450 tokens per run")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    base, tok = registry.load(registry.resolve(None))
    model = prepare_model(base, TrainConfig(adapter="lora", lora_dropout=0.05)).train()
    lines = open("data/train.jsonl", encoding="utf-8").read().splitlines()
    examples = [e for e in (encode(json.loads(l), tok) for l in lines[:200]) if 200 < len(e["input_ids"]) < 450]
    collate = PadCollator(tok.pad_token_id or tok.eos_token_id)
    batches = [{**collate([e]), "full_labels": torch.tensor([e["labels"]])} for e in examples[:args.records]]
    tokens_per_s(model, batches[:1], True)  # warm-up
    rates: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for _ in range(args.runs):
        for name, (window, dropout) in SETTINGS.items():
            set_dropout(model, dropout)
            rates[name].append(round(tokens_per_s(model, batches, window), 1))
    results = {"records": len(batches), "tokens": sum(b["input_ids"].shape[1] for b in batches), "runs": args.runs,
               "threads": torch.get_num_threads(),
               "settings": {name: {"tokens_per_s_median": round(median(r), 1), "runs": r} for name, r in rates.items()}}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "train_window.json").write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    for name, r in results["settings"].items():
        print(f"{name}: {r['tokens_per_s_median']} tokens/s (runs {r['runs']})")


if __name__ == "__main__":
    main()
