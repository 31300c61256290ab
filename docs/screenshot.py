"""Take the playground screenshot: start `hesui serve`, type a request, wait for every answer, save a PNG.

    python docs/screenshot.py --adapter runs/lora            # the tuned model beside its base → docs/playground.png
    python docs/screenshot.py --model /tmp/tiny --out /tmp/p.png --request "七言春联"

Every option this script does not know (--model, --adapter, --api-key, …) goes to `hesui serve` unchanged; the
script picks the host and port itself. Needs Debian's chromium and fonts-noto-cjk (without a CJK font the page
shows boxes) and `pip install playwright`; it never downloads a browser.
"""
from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ALL_DONE = "[...document.querySelectorAll('.column')].every(c => ['done', 'stopped', 'error'].includes(c.dataset.state))"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, timeout_s: float) -> None:
    """Poll GET /healthz until the server answers (model loading takes a while), or fail with one line."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"error: hesui serve exited with code {server.returncode} before it was ready")
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=2) as resp:
                if json.load(resp).get("ok"):
                    return
        except OSError:
            pass
        time.sleep(1)
    sys.exit(f"error: hesui serve was not ready within {timeout_s:.0f} s")


def shoot(url: str, args: argparse.Namespace) -> list[dict]:
    """Drive the page in headless chromium; returns what each column shows (model, text, count, verdict)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=args.chromium, args=CHROMIUM_ARGS)
        page = browser.new_page(locale="zh-CN", viewport={"width": args.width, "height": args.height},
                                device_scale_factor=args.scale)
        page.goto(url + "/")
        page.wait_for_selector(".column")
        page.fill("#request", args.request)
        page.wait_for_function("t => document.querySelector('#parsed').dataset.text === t", arg=args.request.strip())
        start = time.monotonic()
        page.click("#go")
        page.wait_for_function("[...document.querySelectorAll('.column .text')].some(t => t.textContent)",
                               timeout=args.timeout * 1000, polling=50)
        first = time.monotonic() - start
        page.wait_for_function(ALL_DONE, timeout=args.timeout * 1000, polling=500)
        print(f"first characters {first:.2f} s after the click; all answers {time.monotonic() - start:.2f} s",
              file=sys.stderr)
        page.wait_for_timeout(300)  # let the last layout settle
        args.out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.out), full_page=True)
        shown = page.eval_on_selector_all(".column", """cols => cols.map(c => ({
            model: c.dataset.model, state: c.dataset.state, ok: c.dataset.ok ?? null,
            text: c.querySelector('.text').textContent, count: c.querySelector('.count').textContent,
            checks: [...c.querySelectorAll('.checks li')].map(li => li.textContent)}))""")
        browser.close()
    return shown


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "playground.png")
    ap.add_argument("--request", default="给领导的50字以内拜年短信")
    ap.add_argument("--width", type=int, default=1280, help="viewport width in CSS pixels")
    ap.add_argument("--height", type=int, default=900, help="viewport height in CSS pixels (the shot is full-page)")
    ap.add_argument("--scale", type=float, default=1.0, help="device pixels per CSS pixel")
    ap.add_argument("--timeout", type=float, default=600, help="seconds for loading and for answering, each")
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    args, serve_args = ap.parse_known_args()
    if not Path(args.chromium).exists():
        sys.exit("error: no chromium; apt-get install -y chromium fonts-noto-cjk")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "hesui", "serve", *serve_args, "--host", "127.0.0.1", "--port", str(port)]
    print("starting:", " ".join(cmd), file=sys.stderr)
    server = subprocess.Popen(cmd)
    try:
        wait_healthy(url, server, args.timeout)
        for column in shoot(url, args):
            print(json.dumps(column, ensure_ascii=False))
        print(f"saved {args.out}", file=sys.stderr)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


if __name__ == "__main__":
    main()
