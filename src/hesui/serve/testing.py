"""A real uvicorn server in a background thread on a free 127.0.0.1 port (tests and benchmarks/serve.py)."""
from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve_in_thread(app, *, port: int | None = None, timeout: float = 20.0):
    """Yields the base URL (``http://127.0.0.1:PORT``) once the server accepts connections; stops it after."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="on", timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + timeout
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the test server did not start on port {port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout)


class ScriptedEngine:
    """An ``Engine`` whose rows answer the given texts in turn (row k: ``texts[k % len(texts)]``), for tests of
    what best-of-N keeps and what a client is shown; it samples nothing."""
    name = "scripted"

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.jobs: list = []  # the last batch's rows, for tests of what the model was shown

    def sample(self, jobs, *, on_text=None, cancelled=None):
        from hesui.generate.seam import Sample

        self.jobs = list(jobs)
        texts = [self.texts[k % len(self.texts)] for k in range(len(jobs))]
        return [Sample(text, tokens=len(text)) for text in texts]
