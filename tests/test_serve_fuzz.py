"""hesui serve under bad input: 200+ malformed bodies, the API key on every route, the queue bound, disconnects."""
from __future__ import annotations

import json
import threading
import time

import httpx
import pytest

pytest.importorskip("fastapi")

from hesui.generate.seam import Answer, Spec  # noqa: E402
from hesui.serve.app import create_app  # noqa: E402
from hesui.serve.common import MAX_BODY  # noqa: E402
from hesui.serve.testing import serve_in_thread  # noqa: E402

KEY = "k"
ASK = "给同事写一条50字以内的拜年短信"
QF = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/hesui?access_token=" + KEY
QF_CODES = {336001, 336002, 336003, 336005, 336006}
USER = {"role": "user", "content": ASK}
JUNK = [None, "x", "", 1.5, -1, 0, True, [], {}, [1], "好" * 100_000]


def _raw_bodies() -> list[bytes]:
    deep = b"[" * 100_000 + b"]" * 100_000
    return [b"", b"{", b"[]", b"null", b"123", b'"s"', b"\xff\xfe\x00", b'{"messages": [{"role": "user", "content": "\xff"}]}',
            b'{"temperature": NaN}', b'{"a": Infinity}', deep, b"{" + b" " * (2 << 20) + b"}", "{'a': 1}".encode()]


def openai_bodies() -> list[dict]:
    good = {"model": "hesui", "messages": [USER]}
    bad_values = {
        "model": [v for v in JUNK if v is not None],
        "messages": [v for v in JUNK if v is not None] + [[{}], [{"role": "user"}], [{"role": "tool", "content": "x"}],
                     [{"role": "user", "content": 5}], [{"role": "user", "content": ""}], [{"role": "assistant", "content": "x"}],
                     [USER, {"role": "assistant", "content": "x"}], [{"role": "user", "content": "好" * 3000}],
                     [{"role": "user", "content": [{"type": "image_url"}]}], [{"role": "system", "content": "x"}],
                     [{"role": "user", "content": "写不少于100字且不超过50字的短信"}]],
        "temperature": ["x", -0.1, 2.5, True, [], 99],
        "top_p": ["x", -0.1, 1.1, True, {}],
        "max_tokens": ["x", 0, -5, 1.5, 5000, True],
        "stop": [5, [1], ["a"] * 5, ["a" * 65], {}],
        "seed": ["x", 1.5, 2**70, True, []],
        "n": [0, 9, "2", 1.5, True],
        "stream": ["yes", 1, [], {}],
        "stream_options": ["x", 1, [], {"include_usage": "y"}],
        "hesui": ["x", 1, [], {"control": "no"}, {"n_candidates": 0}, {"n_candidates": 99}, {"n_candidates": "4"}],
    }
    out = [{k: v for k, v in good.items() if k != drop} for drop in good]  # a required field missing
    for field, values in bad_values.items():
        out += [{**good, field: v, "extra_field": {"ignored": True}} for v in values]
    out.append({**good, "stream": True, "n": 2})
    return out


def qianfan_bodies() -> list[dict]:
    good = {"messages": [USER]}
    a = {"role": "assistant", "content": "好"}
    bad_values = {
        "messages": [v for v in JUNK if v is not None] + [[USER, a], [a], [a, USER, a], [USER, USER, USER], [USER, a, a],
                     [{"role": "system", "content": "x"}], [{"role": "user", "content": 1}], [{"role": "user"}],
                     [{"role": "user", "content": ""}], [{"content": ASK}], [{"role": "user", "content": "好" * 3000}]],
        "temperature": [0, -1, 1.01, "0.5", True, []],
        "top_p": [-0.1, 1.5, "x", False],
        "penalty_score": [0.99, 2.01, "1", True],
        "stop": ["。", [1], ["a"] * 5, ["a" * 21], {}],
        "max_output_tokens": [1, 2049, 2.5, "10", True, -3],
        "system": [1, [], {}, "好" * 1025],
        "user_id": [1, [], "u" * 300],
        "stream": ["true", 1, []],
        "seed": ["x", 1.5, 2**64],
        "hesui": [1, "x", {"control": 1}],
    }
    out = [{}, {"extra_parameters": {"a": 1}}]
    for field, values in bad_values.items():
        out += [{**good, field: v, "extra_parameters": {"request_source": "fuzz"}} for v in values]
    return out


class SlowGenerator:
    """Blocks until released: holds the worker so that the queue fills."""
    name = "slow"
    control = True

    def __init__(self):
        self.release, self.started = threading.Event(), threading.Event()

    def _answers(self, requests):
        self.started.set()
        self.release.wait(30)
        return [Answer("新年快乐。", Spec(), None, 1, 0.0, 1) for _ in requests]

    def generate(self, requests):
        return self._answers(requests)

    def stream(self, requests, on_delta, cancelled=None):
        return self._answers(requests)


@pytest.fixture(scope="module")
def url(tiny_generators):
    gens = tiny_generators
    with serve_in_thread(create_app(gens, api_key=KEY)) as base:
        yield base


def test_malformed_bodies_get_well_formed_errors(url):
    head = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    cases = [("o", r) for r in _raw_bodies()] + [("q", r) for r in _raw_bodies()]
    for dialect, bodies in (("o", openai_bodies()), ("q", qianfan_bodies())):
        cases += [(dialect, json.dumps(b).encode()) for b in bodies]  # and each again as a stream request:
        cases += [(dialect, json.dumps({**b, "stream": True}).encode()) for b in bodies if "stream" not in b]
    assert len(cases) >= 200
    with httpx.Client(base_url=url, headers=head, timeout=30) as c:
        for dialect, body in cases:
            if dialect == "o":
                r = c.post("/v1/chat/completions", content=body)
                err = r.json()["error"]
                assert r.status_code in ((413,) if len(body) > MAX_BODY else (400, 404)), (body[:200], r.text[:300])
                assert set(err) == {"message", "type", "param", "code"} and err["message"] and err["code"]
            else:
                r = c.post(QF, content=body)
                e = r.json()
                assert r.status_code == 200 and e["error_code"] in QF_CODES and e["error_msg"], (body[:200], r.text[:300])
                assert len(body) <= MAX_BODY or e["error_code"] == 336003  # over the size limit: a bad parameter
        ok = c.post("/v1/chat/completions", json={"model": "hesui", "messages": [USER], "hesui": {"n_candidates": 1}})
        assert ok.status_code == 200 and ok.json()["choices"][0]["message"]["content"]
        assert "result" in c.post(QF, json={"messages": [USER], "hesui": {"n_candidates": 1}}).json()


def test_api_key_on_every_route_but_health_and_page(url):
    body = {"model": "hesui", "messages": [USER]}
    for headers, params in (({}, {}), ({"Authorization": "Bearer wrong"}, {"access_token": "wrong"})):
        with httpx.Client(base_url=url, headers=headers, params=params, timeout=30) as c:
            assert c.get("/v1/models").status_code == 401
            assert c.post("/v1/chat/completions", json=body).json()["error"]["code"] == "invalid_api_key"
            assert c.post("/hesui/count", json={"text": "新年好"}).status_code == 401
            assert c.post("/hesui/parse", json={"text": ASK}).status_code == 401
            assert c.post(QF.split("?")[0], json={"messages": [USER]}).json()["error_code"] == 110
            assert c.get("/healthz").json() == {"ok": True, "models": ["hesui", "hesui-base"]}
            assert c.get("/").status_code == 200 and c.get("/static/app.js").status_code == 200
    with httpx.Client(base_url=url, timeout=30) as c:  # the length tools take either form of the key
        assert c.post("/hesui/count", params={"access_token": KEY}, json={"text": "新年好。", "request": ASK}).json()["ok"]
        counted = c.post("/hesui/count", params={"access_token": KEY}, json={"text": "新年好，生日快乐。", "request": ASK})
        assert counted.json()["ok"] and counted.json()["copy_faults"] == ["wrong occasion"]
        parsed = c.post("/hesui/parse", headers={"Authorization": f"Bearer {KEY}"}, json={"text": ASK}).json()
        assert parsed["constraints"][0]["hi"] == 50 and parsed["description"] and parsed["ignored"] == []
        bad = c.post("/hesui/parse", params={"access_token": KEY}, json={"text": "写不少于100字且不超过50字的短信"})
        assert bad.status_code == 400 and bad.json()["error"]["code"] == "length_contradiction"


def test_full_queue_is_refused_at_once_and_a_gone_client_frees_its_slot():
    slow = SlowGenerator()
    app = create_app({"hesui": slow}, max_batch=1, max_queue=1, batch_window=0.0)
    batcher = app.state.hesui.batcher
    body = {"model": "hesui", "messages": [USER]}
    with serve_in_thread(app) as url:
        first = threading.Thread(target=httpx.post, args=(url + "/v1/chat/completions",), kwargs={"json": body, "timeout": 30})
        first.start()
        assert slow.started.wait(10)  # the worker holds the first request
        with httpx.Client(base_url=url, timeout=30) as c, c.stream("POST", "/v1/chat/completions",
                                                                   json={**body, "stream": True}) as waiting:
            assert waiting.status_code == 200
            t0 = time.monotonic()
            full = c.post("/v1/chat/completions", json=body)
            assert full.status_code == 429 and full.json()["error"]["code"] == "queue_full"
            assert c.post(QF.split("?")[0], json={"messages": [USER]}).json()["error_code"] == 18
            assert time.monotonic() - t0 < 2
        deadline = time.monotonic() + 5  # the streaming client left: its place is free again
        while len(batcher.waiting) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(batcher.waiting) == 0
        slow.release.set()
        first.join(10)
        assert httpx.post(url + "/v1/chat/completions", json=body, timeout=30).status_code == 200


def _spin(seconds: float) -> None:
    """CPU-bound, as the parser's endless loop on "0多字" was: it holds the GIL but for the switch interval."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def _poll_healthz(url: str, stop: threading.Event, latencies: list[float]) -> None:
    with httpx.Client(base_url=url, timeout=10) as c:
        while not stop.is_set():
            t0 = time.perf_counter()
            ok = c.get("/healthz").status_code == 200
            latencies.append(time.perf_counter() - t0 if ok else float("inf"))
            time.sleep(0.02)


def test_slow_reading_is_refused_and_never_holds_up_the_server(monkeypatch, tiny_generators):
    def slow_parse(text):
        _spin(3.0)
        return Spec()

    monkeypatch.setattr("hesui.serve.app.parse", slow_parse)  # /hesui/parse and /hesui/count
    monkeypatch.setattr("hesui.generate.seam.parse", slow_parse)  # the chat routes' length check
    with serve_in_thread(create_app(tiny_generators, work_limit=0.5)) as url:
        stop, latencies = threading.Event(), []
        poller = threading.Thread(target=_poll_healthz, args=(url, stop, latencies))
        poller.start()
        with httpx.Client(base_url=url, timeout=30) as c:
            parsed = c.post("/hesui/parse", json={"text": ASK})
            chat = c.post("/v1/chat/completions", json={"model": "hesui", "messages": [USER]})
            qf = c.post(QF.split("?")[0], json={"messages": [USER]}).json()
        time.sleep(0.5)  # the abandoned threads are still spinning: keep polling through them
        stop.set()
        poller.join()
    for r in (parsed, chat):
        err = r.json()["error"]
        assert r.status_code == 400 and err["code"] == "processing_timeout"
        assert err["message"] == "reading this request took longer than 0.5 s; shorten or simplify it"
    assert qf["error_code"] == 336003 and "took longer than 0.5 s" in qf["error_msg"]
    print(f"healthz during slow reading: {len(latencies)} polls, max {max(latencies) * 1000:.0f} ms")
    assert len(latencies) >= 20 and max(latencies) < 1.0, sorted(latencies)[-5:]


def test_oversized_bodies_and_absurd_conversations_are_refused_early(url):
    big = b"{" + b" " * MAX_BODY + b"}"
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=30) as c:
        for path in ("/v1/chat/completions", "/hesui/parse", "/hesui/count"):
            r = c.post(path, content=big)  # refused by its Content-Length, before it is read
            assert r.status_code == 413 and r.json()["error"]["code"] == "request_too_large", path
        chunked = c.post("/hesui/parse", content=iter([b"{" + b" " * (1 << 16)] * 17))  # no Content-Length
        assert chunked.status_code == 413 and "at most 1048576" in chunked.json()["error"]["message"]
        assert c.post(QF, content=big).json()["error_code"] == 336003
        turns = [USER, {"role": "assistant", "content": "好"}] * 50 + [USER]  # 101 messages
        r = c.post("/v1/chat/completions", json={"model": "hesui", "messages": turns})
        assert r.status_code == 400 and r.json()["error"]["message"] == \
            "messages holds 101 messages; at most 100 are accepted"
        qf = c.post(QF, json={"messages": turns}).json()
        assert qf["error_code"] == 336003 and qf["error_msg"] == "messages holds 101 messages; at most 100 are accepted"
