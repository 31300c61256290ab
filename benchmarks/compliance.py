"""Length compliance of the base model with and without the controller, over the dev prompts.

    python benchmarks/compliance.py [--limit N] [--model DIR] [--adapter DIR]

Prints a table and writes benchmarks/results/compliance.json (every answer, for inspection).
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from _common import RESULTS, dev_prompts

from hesui.evaluate.metrics import chinese_share, has_loop
from hesui.generate.load import describe, load_generator
from hesui.generate.seam import SamplingConfig
from hesui.length import qianfan


def run(engine, prompts: list[str], control: bool) -> list[dict]:
    rows = []
    for i, prompt in enumerate(prompts):
        answer = engine.write(prompt, SamplingConfig(seed=i, control=control))
        q = qianfan(answer.text, answer.spec.constraints)
        rows.append({**answer.to_dict(), "prompt": prompt, "qianfan": q, "kind": answer.spec.constraints[0].kind,
                     "chinese": chinese_share(answer.text), "loop": has_loop(answer.text)})
        print(f"[{'ctl' if control else 'raw'} {i + 1}/{len(prompts)}] ok={answer.ok} q={q:.2f} "
              f"{answer.seconds:.1f}s {prompt}", file=sys.stderr, flush=True)
    return rows


def summary(rows: list[dict]) -> dict:
    n = len(rows)
    return {
        "n": n,
        "strict": sum(r["ok"] for r in rows) / n,
        "qianfan": sum(r["qianfan"] for r in rows) / n,
        "chinese_answers": sum(r["chinese"] >= 0.9 for r in rows) / n,
        "loops": sum(r["loop"] for r in rows),
        "median_seconds": sorted(r["seconds"] for r in rows)[n // 2],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int)
    ap.add_argument("--model")
    ap.add_argument("--adapter")
    ap.add_argument("--engine", default="auto", choices=("auto", "llama.cpp", "transformers"))
    args = ap.parse_args()
    prompts = dev_prompts()[: args.limit]
    engine = load_generator(args.model, args.adapter, engine=args.engine)
    started = time.time()
    out = {"model": engine.name, "prompts": len(prompts), **describe(engine)}
    for name, control in (("controller", True), ("base", False)):
        rows = run(engine, prompts, control)
        out[name] = {"summary": summary(rows), "rows": rows}
    out["wall_seconds"] = round(time.time() - started)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "compliance.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{'setting':12} {'strict':>7} {'qianfan':>8} {'chinese':>8} {'loops':>6} {'median s':>9}")
    for name in ("base", "controller"):
        s = out[name]["summary"]
        print(f"{name:12} {s['strict']:7.1%} {s['qianfan']:8.3f} {s['chinese_answers']:8.1%} {s['loops']:6d} "
              f"{s['median_seconds']:9.1f}")


if __name__ == "__main__":
    main()
