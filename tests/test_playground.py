"""The playground page in a real browser (Debian's chromium, driven by Playwright) against a live server.

Development stand-in: a FastAPI app implementing ../briefs/api.md with canned streaming (to be replaced by
hesui.serve.app.create_app with the tiny random model once the server lands).
"""
from __future__ import annotations

import asyncio
import json
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles

from hesui.length import LengthSpecError, count_all, measured, meets, parse

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
STATIC = Path(__file__).resolve().parents[1] / "src" / "hesui" / "serve" / "static"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="no chromium: apt-get install -y chromium fonts-noto-cjk (CI does, .ci/run)")


# --- the stand-in server (development only) -----------------------------------------------------------

def _verdict(text: str, request: str | None) -> dict:
    spec = parse(request or "")
    checks = []
    for c in spec.constraints:
        ns = measured(text, c)
        checks.append({"constraint": c.to_dict(), "measured": ns, "ok": all(meets(n, c) for n in ns)})
    return {"count": count_all(text), "constraints": [c.to_dict() for c in spec.constraints],
            "checks": checks, "ok": all(c["ok"] for c in checks) if checks else None, "well_formed": True}


def standin_app(models=("hesui", "hesui-base"), max_running=8, api_key=None):
    app = FastAPI()

    @app.middleware("http")
    async def auth(request: Request, call_next):
        open_path = request.url.path in ("/", "/healthz") or request.url.path.startswith("/static")
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if api_key and not open_path and given != api_key:
            return err(401, "invalid_api_key", "bad key")
        return await call_next(request)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    running = {"n": 0}
    canned = {"hesui": "新春佳节到，祝您身体健康，万事如意，阖家幸福！", "hesui-base": "新年快乐！\n\n祝你 Happy New Year 2026，好运连连。"}

    def err(status, code, message):
        return JSONResponse({"error": {"message": message, "type": "invalid_request_error", "param": None,
                                       "code": code}}, status_code=status)

    @app.get("/")
    def index():
        return FileResponse(STATIC / "index.html")

    @app.get("/v1/models")
    def list_models():
        return {"object": "list", "data": [{"id": m, "object": "model", "owned_by": "hesui"} for m in models]}

    @app.post("/hesui/parse")
    async def parse_route(request: Request):
        body = await request.json()
        try:
            spec = parse(body["text"])
        except LengthSpecError as e:
            return err(400, "length_contradiction", str(e))
        return {"constraints": [c.to_dict() for c in spec.constraints], "source": spec.source, "ignored": [],
                "description": ""}

    @app.post("/hesui/count")
    async def count_route(request: Request):
        body = await request.json()
        try:
            return _verdict(body["text"], body.get("request"))
        except LengthSpecError as e:
            return err(400, "length_contradiction", str(e))

    @app.post("/v1/chat/completions")
    async def chat(request: Request):
        body = await request.json()
        req = body["messages"][-1]["content"]
        try:
            parse(req)
        except LengthSpecError as e:
            return err(400, "length_contradiction", str(e))
        if running["n"] >= max_running:
            return err(429, "queue_full", "the queue is full")
        text = canned[body["model"]]

        async def events():
            running["n"] += 1
            try:
                for i in range(0, len(text), 3):
                    await asyncio.sleep(0.05)
                    chunk = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": text[i:i + 3]}}]}
                    yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
                final = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
                         "hesui": {**_verdict(text, req), "attempts": 1}}
                yield f"data: {json.dumps(final, ensure_ascii=False)}\n\n"
                yield "data: [DONE]\n\n"
            finally:
                running["n"] -= 1

        if not body.get("stream"):
            return {"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                    "hesui": {**_verdict(text, req), "attempts": 1}}
        return StreamingResponse(events(), media_type="text/event-stream")

    return app


# --- a live server and a browser --------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn on 127.0.0.1 in a background thread (the browser needs a real socket)."""

    def __init__(self, app):
        import uvicorn

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Page:
    """A browser page that records every request it makes and every console error."""

    def __init__(self, browser, base_url: str, *, wait_for_columns: bool = True):
        self.context = browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))
        self.page.goto(base_url + "/")
        if wait_for_columns:
            self.page.wait_for_selector(".column")

    def close(self):
        self.context.close()

    def outside(self, base_url: str) -> list[str]:
        host = urlparse(base_url).hostname
        return [u for u in self.requests if not u.startswith("data:") and urlparse(u).hostname != host]


def shown(page, column) -> dict:
    """What a column shows: its text, the counts per unit, and the ✓/✗ per constraint."""
    col = page.locator(f'.column[data-model="{column}"]')
    counts = {u: int(col.locator(f'.count [data-unit="{u}"] b').inner_text())
              for u in ("char", "han", "sentence", "paragraph")}
    checks = [li.get_attribute("data-ok") == "true" for li in col.locator(".checks li[data-ok]").all()]
    return {"text": col.locator(".text").text_content(), "count": counts, "checks": checks,
            "ok": col.get_attribute("data-ok")}


def expected_checks(text: str, request: str) -> list[bool]:
    return [all(meets(n, c) for n in measured(text, c)) for c in parse(request).constraints]


# --- the tests ------------------------------------------------------------------------------------------

REQUEST = "给领导的50字以内拜年短信"
ALL_DONE = "[...document.querySelectorAll('.column')].every(c => c.dataset.state === 'done')"


@pytest.fixture(scope="module")
def live():
    with LiveServer(standin_app()) as server:
        yield server


def test_both_columns_stream_and_show_the_servers_count(browser, live):
    p = Page(browser, live.url)
    page = p.page
    assert page.locator(".column").count() == 2
    page.fill("#request", REQUEST)
    page.wait_for_function("t => document.querySelector('#parsed').dataset.text === t", arg=REQUEST)
    assert page.inner_text("#parsed").startswith("读到的长度要求：")
    page.click("#go")
    page.wait_for_function(ALL_DONE, timeout=60_000)
    for model in ("hesui", "hesui-base"):
        got = shown(page, model)
        assert got["text"], f"{model}: empty answer"
        assert got["count"] == count_all(got["text"])
        assert got["checks"] == expected_checks(got["text"], REQUEST)
        assert got["ok"] == str(all(got["checks"])).lower()
    assert page.locator("#history li").first.inner_text() == REQUEST
    assert p.errors == []
    assert p.outside(live.url) == []
    p.close()


def test_refused_request_says_why(browser, live):
    p = Page(browser, live.url)
    page = p.page
    page.fill("#request", "不少于100字且不超过50字的拜年短信")
    page.wait_for_selector("#parsed.refused")
    page.click("#go")
    page.wait_for_selector('#notice[data-kind="refused"]:not([hidden])')
    assert "矛盾" in page.inner_text("#notice")
    assert page.locator('.column[data-state="refused"]').count() == 2
    # The browser logs each 4xx response as a console error; those are the point of this test.
    assert [e for e in p.errors if "status of 400" not in e] == []
    p.close()


def test_several_candidates_come_whole_with_their_verdict(browser, live):
    """Candidates > 1: the server picks the best (non-stream); the column shows it with the same checks."""
    p = Page(browser, live.url)
    page = p.page
    page.click("#settings summary")
    page.fill("#candidates", "2")
    page.fill("#seed", "7")
    page.uncheck("#control")
    page.fill("#request", "七言春联")
    page.click("#go")
    page.wait_for_function(ALL_DONE, timeout=60_000)
    for model in ("hesui", "hesui-base"):
        got = shown(page, model)
        assert got["count"] == count_all(got["text"])
        assert got["checks"] == expected_checks(got["text"], "七言春联")
    assert p.errors == [] and p.outside(live.url) == []
    p.close()


def test_history_is_kept_in_the_browser(browser, live):
    p = Page(browser, live.url)
    page = p.page
    for request in ("七言春联", REQUEST):
        page.fill("#request", request)
        page.click("#go")
        page.wait_for_function(ALL_DONE, timeout=60_000)
    page.reload()
    page.wait_for_selector("#history li")
    assert page.locator("#history li").all_inner_texts() == [REQUEST, "七言春联"]
    page.locator("#history li button").nth(1).click()
    assert page.input_value("#request") == "七言春联"
    page.click("#clear-history")
    assert page.locator("#history li").count() == 0
    p.close()


def test_api_key_is_asked_for_once_and_kept(browser):
    with LiveServer(standin_app(api_key="sekret")) as server:
        p = Page(browser, server.url, wait_for_columns=False)
        page = p.page
        page.wait_for_selector("#key-form:not([hidden])")
        assert page.locator(".column").count() == 0
        page.fill("#api-key", "sekret")
        page.click("#key-form button")
        page.wait_for_selector(".column")
        assert page.evaluate("localStorage.getItem('hesui.apiKey')") == "sekret"
        page.reload()
        page.wait_for_selector(".column")
        assert page.locator("#key-form").is_hidden()
        page.fill("#request", REQUEST)
        page.click("#go")
        page.wait_for_function(ALL_DONE, timeout=60_000)
        # The first load's 401 is the only error the browser logged.
        assert [e for e in p.errors if "status of 401" not in e] == []
        p.close()
