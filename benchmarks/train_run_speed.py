"""A finished training run's throughput on this machine, from its own record (SFT or DPO).

    python benchmarks/train_run_speed.py runs/train/hesui-dpo [--out benchmarks/results/dpo_train.json]

Reads the run's trainer_log.jsonl (tokens/s at each log step), summary.json and data.json, and writes what a
reader needs to plan a run: tokens per second (for DPO a token of the chosen or the rejected answer's sequence,
prompt included, as TRL counts input_ids), pairs or records per hour, wall hours, precision and the CPU's
instruction sets. A run that shared the CPU with other work says so only if you pass --note.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _common import cpu_flags  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a run directory: runs/train/<name>/")
    ap.add_argument("--out", type=Path, help="where to write the figures (default: print only)")
    ap.add_argument("--note", default="", help="what else ran on the machine meanwhile")
    args = ap.parse_args()
    import yaml

    rows = [json.loads(l) for l in (args.run / "trainer_log.jsonl").read_text().splitlines() if l.strip()]
    summary = json.loads((args.run / "summary.json").read_text())
    counts = json.loads((args.run / "data.json").read_text())["counts"]
    config = yaml.safe_load((args.run / "config.yaml").read_text())
    items = counts.get("train_pairs") or counts.get("train_records")
    seconds = summary["train_runtime_s"]
    seen = summary["steps"] * config["batch_size"] * config["grad_accum"]  # a run stopped early saw fewer
    result = {
        "run": str(args.run), "objective": config.get("objective", "sft"), "adapter": config.get("adapter"),
        "bf16": config.get("bf16"), "cpu_flags": cpu_flags(), "steps": summary["steps"],
        "train_items": items, "epochs": config.get("epochs"),
        "tokens_per_s": summary["train_tokens_per_s"],
        "tokens_per_s_median_of_log_steps": statistics.median(r["tokens_per_s"] for r in rows if r.get("loss")),
        "wall_hours": round(seconds / 3600, 2), "items_seen": seen,
        "items_per_hour": round(seen / seconds * 3600),
        "note": args.note,
    }
    print(json.dumps(result, indent=1))
    if args.out:
        args.out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
