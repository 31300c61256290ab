"""Serving throughput and latency: 1, 4 and 8 concurrent clients, streamed and not, against a real uvicorn.

    python benchmarks/serve.py [--model DIR] [--adapter DIR] [--clients 1 4 8] [--per-client 3] [--out FILE]

Starts ``hesui serve``'s app in this process (the ``hesui`` model: base + adapter + controller) on a free port,
then each client thread sends ``--per-client`` requests one after another to /v1/chat/completions (a 50-字
greeting, seeds 0, 1, ...). Reports per setting: completion tokens/s (of the answers; sampled tokens/s counts every
candidate) and requests/s over the wall time,
p50/p95 latency, and for streams the p50 time to the first text. Writes benchmarks/results/serve.json
(or --out). Targets (issue 17, real model, 2-core CPU): 8 streams ≥ 3× one stream's tokens/s; best-of-4 p95 at 8 clients ≤ 10 s;
first text ≤ 1 s.
"""
from __future__ import annotations

import argparse
import json
import statistics
import threading
import time
from pathlib import Path

import httpx
from _common import RESULTS

from hesui.generate.load import cpu_flags, describe
from hesui.serve.app import build_generators, create_app
from hesui.serve.testing import serve_in_thread

PROMPT = "给同事写一条50字以内的拜年短信"


def one_call(client: httpx.Client, seed: int, stream: bool) -> dict:
    body = {"model": "hesui", "seed": seed, "messages": [{"role": "user", "content": PROMPT}], "stream": stream,
            "stream_options": {"include_usage": True} if stream else None}
    t0, first, tokens, ok, sampled = time.perf_counter(), None, 0, None, 0
    if not stream:
        data = client.post("/v1/chat/completions", json=body).raise_for_status().json()
        tokens, ok, sampled = data["usage"]["completion_tokens"], data["hesui"]["ok"], data["hesui"]["sampled_tokens"]
    else:
        with client.stream("POST", "/v1/chat/completions", json=body) as r:
            for line in r.raise_for_status().iter_lines():
                if not line.startswith("data: {"):
                    continue
                event = json.loads(line[6:])
                if first is None and event["choices"] and event["choices"][0]["delta"].get("content"):
                    first = time.perf_counter() - t0
                if event.get("usage"):
                    tokens = event["usage"]["completion_tokens"]
                if event.get("hesui"):
                    ok, sampled = event["hesui"]["ok"], event["hesui"]["sampled_tokens"]
    return {"latency": time.perf_counter() - t0, "first": first, "tokens": tokens, "ok": ok, "sampled": sampled}


def run_setting(url: str, clients: int, per_client: int, stream: bool) -> dict:
    results: list[dict] = []
    lock = threading.Lock()

    def client_loop(k: int) -> None:
        with httpx.Client(base_url=url, timeout=600) as c:
            for j in range(per_client):
                r = one_call(c, seed=k * per_client + j, stream=stream)
                with lock:
                    results.append(r)

    threads = [threading.Thread(target=client_loop, args=(k,)) for k in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    lat = sorted(r["latency"] for r in results)
    firsts = [r["first"] for r in results if r["first"] is not None]
    return {"clients": clients, "stream": stream, "requests": len(results), "wall_s": round(wall, 2),
            "tokens_per_s": round(sum(r["tokens"] for r in results) / wall, 2),
            "sampled_tokens_per_s": round(sum(r["sampled"] for r in results) / wall, 2),  # every candidate
            "requests_per_s": round(len(results) / wall, 3),
            "p50_s": round(statistics.median(lat), 2), "p95_s": round(_pct(lat, 0.95), 2),
            "first_text_p50_s": round(statistics.median(firsts), 2) if firsts else None,
            "ok_share": round(sum(bool(r["ok"]) for r in results) / len(results), 3)}


def _pct(sorted_xs: list[float], q: float) -> float:
    return sorted_xs[min(len(sorted_xs) - 1, max(0, round(q * len(sorted_xs) + 0.5) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="a HF model directory or .gguf (default: the embedded base)")
    ap.add_argument("--adapter", help="a PEFT adapter for 'hesui' (default: models/hesui-lora if present)")
    ap.add_argument("--clients", type=int, nargs="+", default=[1, 4, 8])
    ap.add_argument("--per-client", type=int, default=3, help="requests each client sends in turn (default 3)")
    ap.add_argument("--max-batch", type=int, default=8)
    ap.add_argument("--out", default=str(RESULTS / "serve.json"))
    ap.add_argument("--engine", default="auto", choices=("auto", "llama.cpp", "transformers"))
    args = ap.parse_args()
    generators = build_generators(args.model, args.adapter, engine=args.engine)
    print(f"CPU: {' '.join(cpu_flags())}; engine: {describe(generators['hesui'])['backend']}", flush=True)
    app = create_app(generators, max_batch=args.max_batch, max_queue=64)
    rows = []
    with serve_in_thread(app) as url:
        httpx.post(url + "/v1/chat/completions", timeout=600,  # warm-up: token table, first-call costs
                   json={"model": "hesui", "messages": [{"role": "user", "content": PROMPT}]}).raise_for_status()
        for stream in (False, True):
            for clients in args.clients:
                rows.append(run_setting(url, clients, args.per_client, stream))
                print(json.dumps(rows[-1]), flush=True)
    print("\n| mode | clients | tokens/s | sampled tokens/s | requests/s | p50 s | p95 s | first text p50 s | length met |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {'stream' if r['stream'] else 'best-of-4'} | {r['clients']} | {r['tokens_per_s']} | {r['sampled_tokens_per_s']} | "
              f"{r['requests_per_s']} | {r['p50_s']} | {r['p95_s']} | {r['first_text_p50_s'] or '–'} | "
              f"{r['ok_share']:.0%} |")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps({"model": args.model or "embedded default", "adapter": args.adapter,
                                          **describe(generators["hesui"]),
                                          "prompt": PROMPT, "per_client": args.per_client, "rows": rows},
                                         ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
