"""Decode speed of the engines on the embedded model, interleaved in one run, and the time to a 50-字 greeting.

    python benchmarks/speed.py [--runs 3] [--skip-transformers]

Per run, in turn on the same prompt (a 300-字 essay request, so nothing stops before the token count):
- ``llama.cpp plain``: llama-cpp-python's own loop (``Llama.eval`` / ``Llama.sample``, greedy), no hesui;
- ``hesui llama.cpp``: hesui's llama.cpp engine, one row, under the length controller;
- ``hesui transformers``: hesui's transformers engine, one row, under the controller (bf16 where the CPU has bf16
  instructions, else float32);
then a 50-字 best-of-4 greeting with the default (tuned) model on each engine, and ``hesui write`` from the shell.
Decode tokens/s leaves the prefill out (timed separately with one new token); medians over --runs.
Writes benchmarks/results/speed.json with the CPU's instruction sets. Run it on an idle machine: llama.cpp's
threads stall when another job holds a core.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

from _common import RESULTS, median

from hesui.generate.llamacpp import LlamaCppEngine, cpu_threads
from hesui.generate.load import cpu_flags, load_engine, load_generator
from hesui.generate.seam import BestOfN, Job, SamplingConfig
from hesui.length import parse
from hesui.model import registry
from hesui.model.chat import build_messages

LONG = "写一篇300字的过年作文"
GREETING = "给同事写一条50字以内的拜年短信"
TOKENS = 96


def plain_llama(path, prompt: str) -> tuple[float, float]:
    """(prefill s, decode tokens/s) of llama-cpp-python's own greedy loop."""
    from llama_cpp import Llama

    llm = plain_llama.cache.get(path) or Llama(str(path), n_ctx=2048, n_threads=cpu_threads(), verbose=False)
    plain_llama.cache[path] = llm
    tokens = llm.tokenize(prompt.encode(), add_bos=False, special=True)
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(tokens)
    t1 = time.perf_counter()
    for _ in range(TOKENS):
        llm.eval([llm.sample(temp=0.0)])
    return t1 - t0, TOKENS / (time.perf_counter() - t1)


plain_llama.cache = {}


def hesui_engine(engine) -> tuple[float, float]:
    """(prefill s, decode tokens/s) of one controlled row on a hesui engine."""
    spec = parse(LONG)

    def run(max_tokens: int) -> tuple[float, int]:
        job = Job(build_messages(LONG, spec), spec, 0, 0.0, 0.9, True, True, max_tokens=max_tokens)
        t0 = time.perf_counter()
        sample = engine.sample([job])[0]
        return time.perf_counter() - t0, sample.tokens

    prefill, _ = run(1)
    total, n = run(TOKENS)
    return prefill, (n - 1) / (total - prefill)


def greeting(generator, seed: int) -> float:
    return generator.write(GREETING, SamplingConfig(seed=seed)).seconds


def shell_write(seed: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "hesui", "write", GREETING, "--seed", str(seed)], check=True,
                   capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-transformers", action="store_true", help="llama.cpp only (the transformers engine is slow)")
    args = ap.parse_args()
    print(f"CPU: {' '.join(cpu_flags())}; {cpu_threads()} threads", flush=True)
    base = registry.assemble_default()
    llama = LlamaCppEngine(base)
    prompt = llama.render(build_messages(LONG, parse(LONG)))
    decoders = {"llama.cpp plain": lambda: plain_llama(base, prompt), "hesui llama.cpp": lambda: hesui_engine(llama)}
    writers = {"llama.cpp": load_generator(engine="llama.cpp", adapter=registry.pick_adapter(None, None))}
    if not args.skip_transformers:
        tf = load_engine(engine="transformers")
        decoders["hesui transformers"] = lambda: hesui_engine(tf)
        writers["transformers"] = load_generator(engine="transformers", adapter=registry.pick_adapter(None, None))
    rows: dict[str, list] = {k: [] for k in [*decoders, *(f"greeting {w}" for w in writers), "hesui write (shell)"]}
    for run in range(args.runs):
        for name, measure in decoders.items():
            rows[name].append(measure())
        for name, generator in writers.items():
            rows[f"greeting {name}"].append(greeting(generator, run))
        rows["hesui write (shell)"].append(shell_write(run))
        print(f"run {run + 1}/{args.runs}: " + ", ".join(f"{k} {v[-1]}" for k, v in rows.items()), flush=True)
    report(rows, args.runs)


def report(rows: dict, runs: int) -> None:
    out = {"cpu_flags": list(cpu_flags()), "threads": cpu_threads(), "runs": runs, "date": time.strftime("%Y-%m-%d")}
    for name, values in rows.items():
        if values and isinstance(values[0], tuple):
            out[name] = {"prefill_s": round(median([v[0] for v in values]), 3),
                         "decode_tokens_per_s": round(median([v[1] for v in values]), 1),
                         "all_decode": [round(v[1], 1) for v in values]}
        else:
            out[name] = {"seconds": round(median(values), 2), "all": [round(v, 2) for v in values]}
    plain = out["llama.cpp plain"]["decode_tokens_per_s"]
    out["controller_vs_plain_llama"] = round(out["hesui llama.cpp"]["decode_tokens_per_s"] / plain, 2)
    if "hesui transformers" in out:
        out["llama_vs_transformers"] = round(out["hesui llama.cpp"]["decode_tokens_per_s"]
                                             / out["hesui transformers"]["decode_tokens_per_s"], 2)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "speed.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(out, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
