"""What examples in the prompt (--examples) and a paragraph outline (--outline) cost a request, interleaved.

    python benchmarks/examples_overhead.py [--runs 5] [--engine llama.cpp]

Per run, in turn, with the default (tuned) model and the same seed: a 50-字 best-of-4 greeting with no example and
with one, then a 300-字 essay request with and without the outline. Issue 18's bound: examples and outline add at
most 20% to a 50-字 greeting's time. Medians over --runs; the first call of each setting is a warm-up (the example
index is built once, a few seconds). Writes benchmarks/results/examples_overhead.json with the CPU's instruction
sets. Run it on an idle machine.
"""
from __future__ import annotations

import argparse
import json
import time

from _common import RESULTS, cpu_flags, median

from hesui.generate.load import load_generator
from hesui.generate.seam import SamplingConfig
from hesui.model import registry

GREETING = "给同事写一条50字以内的拜年短信"
ESSAY = "写一篇300字的过年作文，写和爷爷一起贴春联"
SETTINGS = {  # name → (request, sampling settings)
    "greeting": (GREETING, {"examples": 0}),
    "greeting + 1 example": (GREETING, {"examples": 1}),
    "essay": (ESSAY, {"outline": False}),
    "essay + outline": (ESSAY, {"outline": True}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--engine", default="llama.cpp", choices=["llama.cpp", "transformers"])
    args = ap.parse_args()
    generator = load_generator(None, registry.pick_adapter(None, None), engine=args.engine)
    seconds: dict[str, list[float]] = {name: [] for name in SETTINGS}
    for run in range(args.runs + 1):
        for name, (request, extra) in SETTINGS.items():
            t0 = time.perf_counter()
            answer = generator.write(request, SamplingConfig(seed=run, **extra))
            if run:  # run 0 warms up
                seconds[name].append(time.perf_counter() - t0)
            print(f"run {run} {name}: {time.perf_counter() - t0:.2f} s, {answer.spec.constraints and answer.ok}")
    figures = {name: round(median(xs), 3) for name, xs in seconds.items()}
    added = {"examples": figures["greeting + 1 example"] / figures["greeting"] - 1,
             "outline": figures["essay + outline"] / figures["essay"] - 1}
    result = {"engine": generator.name, "cpu_flags": cpu_flags(), "runs": args.runs, "median_s": figures,
              "added": {k: round(v, 3) for k, v in added.items()}, "all_s": seconds}
    (RESULTS / "examples_overhead.json").write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"cpu: {result['cpu_flags']}")
    for name, s in figures.items():
        print(f"{name:24s} {s:6.2f} s (median of {args.runs})")
    print(f"one example adds {added['examples']:+.0%} to a 50-字 greeting; the outline {added['outline']:+.0%} to an essay")


if __name__ == "__main__":
    main()
