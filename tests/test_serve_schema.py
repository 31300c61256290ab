"""The HTTP surface fuzzed from the app's own OpenAPI document with schemathesis, on a live uvicorn with the tiny model.

While the fuzz runs, one client keeps sending the slowest requests the parser knows (5000 characters of numbers and
units) and another polls /healthz. Every response must be a well-formed answer or error of its dialect (the
document's schemas), never a 500, not even inside a stream; every poll is answered within 1 s; the server answers a
real request at the end.
"""
from __future__ import annotations

import json
import statistics
import threading
import time

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,  # noqa: E402
                                               status_code_conformance)

from hesui.length.fuzz import requests  # noqa: E402
from hesui.serve.app import create_app  # noqa: E402
from hesui.serve.testing import serve_in_thread  # noqa: E402

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZED = ["/v1/chat/completions", "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/{endpoint}", "/hesui/parse",
          "/hesui/count"]
EXAMPLES = 20  # per route: bodies that follow the document, that break it, and well-formed chats; ~30 s in all
MAX_TOKENS = 16  # new tokens a fuzzed request may ask for (see _short_generation)
SLOW_REQUESTS = ["1字" * 2500, "秒1" * 2500, "6字" * 2500, "1 " * 2500]  # the parser's slowest, 15–35 ms each


class Background:
    """Threads beside the fuzz: one polls /healthz every 20 ms and keeps the latencies, one posts SLOW_REQUESTS."""

    def __init__(self, url: str):
        self.url, self.stop = url, threading.Event()
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=f, daemon=True) for f in (self._poll, self._load)]

    def _poll(self) -> None:
        with httpx.Client(base_url=self.url, timeout=5) as c:
            while not self.stop.is_set():
                t0 = time.perf_counter()
                try:
                    ok = c.get("/healthz").json()["ok"]
                except (httpx.HTTPError, ValueError, KeyError) as e:
                    ok = repr(e)
                self.latencies.append(time.perf_counter() - t0)
                if ok is not True:
                    self.failures.append(f"healthz: {ok}")
                time.sleep(0.02)

    def _load(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as c:
            while not self.stop.is_set():
                for text in SLOW_REQUESTS:
                    if c.post("/hesui/parse", json={"text": text}).status_code >= 500:
                        self.failures.append(f"slow parse: a 5xx for {text[:8]!r}")

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)


@pytest.fixture(scope="module")
def live(tiny_generators):
    app = create_app(tiny_generators)
    with serve_in_thread(app) as url, Background(url) as background:
        yield url, app, background


def _short_generation(body) -> None:
    """Caps what a valid body asks of the model: the fuzz is of the HTTP surface, and the tiny model on a busy CPU
    takes seconds for 64 rows. Tokens are capped or set (each dialect reads its own key and ignores the other's);
    invalid values are left for the server to refuse."""
    if not isinstance(body, dict):
        return
    tokens = ("max_tokens", "max_output_tokens")
    for where, key, most in ((body, tokens[0], MAX_TOKENS), (body, tokens[1], MAX_TOKENS), (body, "n", 2),
                             (body.get("hesui"), "n_candidates", 2)):
        if not isinstance(where, dict):
            continue
        too_many = type(where.get(key)) is int and where[key] > most
        if too_many or (key in tokens and key not in where):
            where[key] = most


def _with_a_request(operation) -> st.SearchStrategy:
    """Cases that follow the document whose conversation is one user turn drawn from the length contract's
    alphabet: random conversations rarely alternate or end with the user, and these reach the parser and the model."""
    def put(case, text):
        case.body["messages"] = [{"role": "user", "content": text or "拜年"}]
        return case

    return st.builds(put, operation.as_strategy(), requests(max_chars=200))


def _answered(response) -> bool:
    """An answer rather than an error of either dialect."""
    if response.status_code != 200:
        return False
    try:
        return "error_code" not in response.json()
    except ValueError:
        return True  # a stream


def _no_error_in_stream(response) -> None:
    """A stream that began is a 200 whatever happens later: an internal error would show only in its events."""
    if not any(t.startswith("text/event-stream") for t in response.headers.get("content-type", [])):
        return
    events = [line[6:] for line in response.text.splitlines() if line.startswith("data: ")]
    assert events, response.text[:300]
    for e in events:
        if e != "[DONE]":
            body = json.loads(e)
            assert "error" not in body and body.get("error_code") != 336000, e[:300]


@pytest.mark.parametrize("path", FUZZED)
def test_every_response_is_well_formed_in_its_dialect(live, path):
    """Bodies that follow the document and bodies that break it, each checked against the document's answer."""
    url, app, _ = live
    operation = schemathesis.openapi.from_dict(app.openapi())[path]["POST"]
    cases = st.one_of(operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE),
                      _with_a_request(operation) if "messages" in str(operation.definition.raw) else st.nothing())

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(cases)
    def fuzz(case):
        _short_generation(case.body)
        response = case.call(base_url=url, timeout=60)
        case.validate_response(response, checks=CHECKS)
        _no_error_in_stream(response)
        answered.append(_answered(response))

    answered: list[bool] = []
    fuzz()
    print(path, sum(answered), "answered of", len(answered))


def test_the_server_kept_answering_healthz_and_is_alive(live):
    """Runs after the fuzz (pytest keeps file order): what the background clients saw, and one real answer."""
    url, _, background = live
    assert background.latencies and not background.failures, background.failures[:5]
    ms = sorted(x * 1000 for x in background.latencies)
    p99 = ms[int(len(ms) * 0.99)]
    print(f"healthz under the fuzz: {len(ms)} polls, p50 {statistics.median(ms):.1f} ms, p99 {p99:.1f} ms, "
          f"max {ms[-1]:.1f} ms")
    assert ms[-1] < 1000
    r = httpx.post(url + "/v1/chat/completions", timeout=60,
                   json={"model": "hesui", "messages": [{"role": "user", "content": "写一条20字以内的拜年短信"}],
                         "max_tokens": MAX_TOKENS, "hesui": {"n_candidates": 1}})
    assert r.status_code == 200 and r.json()["choices"][0]["message"]["content"]
