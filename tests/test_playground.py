"""The playground page in a real browser (Debian's chromium, driven by Playwright) against the real server.

hesui.serve.app.create_app with the tiny random model (tests/conftest.py) on uvicorn on 127.0.0.1: type a request,
both columns fill, the shown counts equal hesui.length's count of the shown text, ✓/✗ match the verdicts, the busy
and refused states render, the browser logs no errors and asks nothing of any host but the server.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlparse

import pytest

pytest.importorskip("fastapi")

from hesui.generate.seam import well_formed  # noqa: E402
from hesui.length import count_all, measured, meets, parse  # noqa: E402
from hesui.quality import copy_faults  # noqa: E402
from hesui.serve.app import create_app  # noqa: E402
from hesui.serve.testing import ScriptedEngine, serve_in_thread  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="no chromium: apt-get install -y chromium fonts-noto-cjk (CI does, .ci/run)")


@pytest.fixture(scope="module")
def generators(tiny_generators):
    """The server's default pair on the tiny model: tuned (controller on) and base (controller off)."""
    return tiny_generators


@pytest.fixture(scope="module")
def live(generators):
    with serve_in_thread(create_app(generators)) as url:
        yield url


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
    """What a column shows: its text, the counts per unit, ✓/✗ per constraint, the well-formed mark, the verdict."""
    col = page.locator(f'.column[data-model="{column}"]')
    counts = {u: int(col.locator(f'.count [data-unit="{u}"] b').inner_text())
              for u in ("char", "han", "sentence", "paragraph")}
    marks = [(li.get_attribute("data-ok"), li.inner_text()[0]) for li in col.locator(".checks li[data-ok]").all()]
    assert all(mark == {"true": "✓", "false": "✗"}[ok] for ok, mark in marks), marks
    return {"text": col.locator(".text").text_content(), "count": counts, "checks": [ok == "true" for ok, _ in marks],
            "well_formed": col.locator('.checks li[data-well-formed="false"]').count() == 0,
            "copy_faults": [li.get_attribute("data-copy-fault") for li in col.locator(".checks li[data-copy-fault]").all()],
            "ok": col.get_attribute("data-ok")}


def assert_shows_the_contract(page, column: str, request: str) -> str:
    """The column's numbers are hesui.length's for the text it shows; returns that text."""
    got = shown(page, column)
    text, spec = got["text"], parse(request)
    assert text, f"{column}: empty answer"
    assert got["count"] == count_all(text)
    assert got["checks"] == [all(meets(n, c) for n in measured(text, c)) for c in spec.constraints]
    assert got["well_formed"] == well_formed(text)
    assert got["copy_faults"] == copy_faults(text, request)
    return text


# --- the tests ------------------------------------------------------------------------------------------

REQUEST = "给领导的50字以内拜年短信"
ALL_DONE = ("[...document.querySelectorAll('.column')]"
            ".every(c => c.dataset.state === 'done' && c.dataset.verdict === 'final')")


def test_both_columns_stream_and_show_the_servers_count(browser, live):
    p = Page(browser, live)
    page = p.page
    assert page.locator(".column").count() == 2
    page.fill("#request", REQUEST)
    page.wait_for_function("t => document.querySelector('#parsed').dataset.text === t", arg=REQUEST)
    assert page.inner_text("#parsed").startswith("读到的长度要求：")
    page.click("#go")
    page.wait_for_function(ALL_DONE, timeout=60_000)
    for model in ("hesui", "hesui-base"):
        assert_shows_the_contract(page, model, REQUEST)
    # The tuned column runs the controller: its answer is inside the 50 字 and marked so.
    assert shown(page, "hesui")["checks"] == [True] and shown(page, "hesui")["ok"] == "true"
    assert page.locator("#history li").first.inner_text() == REQUEST
    p.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live)
    page.locator('.column[data-model="hesui"] .copy').click()
    page.wait_for_selector('.column[data-model="hesui"] .copy:text("已复制")')
    assert page.evaluate("navigator.clipboard.readText()") == shown(page, "hesui")["text"]
    assert p.errors == []
    assert p.outside(live) == []
    p.close()


def test_stop_keeps_the_text_so_far_with_its_count(browser, live):
    """Stopped mid-answer (the controller cannot end a 300-字 essay early): the count is of exactly what is shown."""
    p = Page(browser, live)
    page = p.page
    request = "写一篇300字左右的过年作文"
    page.fill("#request", request)
    page.click("#go")
    page.wait_for_function("document.querySelector('.column[data-model=hesui] .text').textContent.length > 5")
    assert page.locator("#stop").is_enabled()
    page.click("#stop")
    page.wait_for_selector('.column[data-model="hesui"][data-verdict="final"]')
    page.wait_for_function("[...document.querySelectorAll('.column')].every(c => c.dataset.state !== 'writing')")
    assert page.get_attribute('.column[data-model="hesui"]', "data-state") == "stopped"
    text = assert_shows_the_contract(page, "hesui", request)
    assert count_all(text)["char"] < 270  # it was cut short, and the ✗ says so
    assert shown(page, "hesui")["checks"] == [False]
    assert page.locator("#stop").is_disabled()
    assert p.errors == []
    p.close()


def test_refused_request_says_why(browser, live):
    p = Page(browser, live)
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
    p = Page(browser, live)
    page = p.page
    page.click("#settings summary")
    page.fill("#candidates", "2")
    page.fill("#seed", "7")
    page.select_option("#control", "on")
    page.fill("#request", "七言春联")
    page.click("#go")
    page.wait_for_function(ALL_DONE, timeout=60_000)
    for model in ("hesui", "hesui-base"):
        assert_shows_the_contract(page, model, "七言春联")
    assert p.errors == [] and p.outside(live) == []
    p.close()


def test_copy_faults_are_shown_under_the_checks(browser):
    """An answer in bounds that wishes a birthday in a New Year greeting is marked ⚠ with the fault, by name."""
    from hesui.generate.seam import BestOfN

    birthday, plain = "领导新年快乐，生日快乐！", "领导，新年好，来年少开会。"
    scripted = {"hesui": BestOfN(ScriptedEngine([birthday]), "hesui"),
                "hesui-base": BestOfN(ScriptedEngine([plain]), "hesui-base", control=False)}
    with serve_in_thread(create_app(scripted)) as url:
        p = Page(browser, url)
        page = p.page
        page.fill("#request", REQUEST)
        page.click("#go")
        page.wait_for_function(ALL_DONE, timeout=60_000)
        assert assert_shows_the_contract(page, "hesui", REQUEST) == birthday
        assert shown(page, "hesui")["copy_faults"] == ["wrong occasion"] and shown(page, "hesui")["ok"] == "true"
        warning = page.locator('.column[data-model="hesui"] .checks li[data-copy-fault]').inner_text()
        assert warning.startswith("⚠") and "生日" in warning
        assert assert_shows_the_contract(page, "hesui-base", REQUEST) == plain
        assert shown(page, "hesui-base")["copy_faults"] == []
        assert p.errors == [] and p.outside(url) == []
        p.close()


def test_history_is_kept_in_the_browser(browser, live):
    p = Page(browser, live)
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


def test_api_key_is_asked_for_once_and_kept(browser, generators):
    with serve_in_thread(create_app(generators, api_key="sekret")) as url:
        p = Page(browser, url, wait_for_columns=False)
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


def test_busy_server_says_so(browser, generators):
    """A server with no room in its queue (max_queue=0) answers 429 queue_full; the page says to retry."""
    with serve_in_thread(create_app(generators, max_queue=0)) as url:
        p = Page(browser, url)
        page = p.page
        page.fill("#request", REQUEST)
        page.click("#go")
        page.wait_for_selector('#notice[data-kind="busy"]:not([hidden])')
        assert "正忙" in page.inner_text("#notice")
        page.wait_for_function("[...document.querySelectorAll('.column')].every(c => c.dataset.state === 'busy')")
        assert page.locator("#stop").is_disabled()
        assert [e for e in p.errors if "status of 429" not in e] == []
        assert p.outside(url) == []
        p.close()
