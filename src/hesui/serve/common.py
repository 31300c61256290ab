"""What both API dialects share: reading and checking a body, the API key, the CPU work of a request, waiting for an
answer.

Checks raise ``BadRequest`` with a kind; each dialect turns it into its own error (OpenAI's 400 with a code,
Qianfan's error_code in an HTTP 200 body).
"""
from __future__ import annotations

import asyncio
import hmac
import json
import math
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from fastapi import Request

from hesui.generate.seam import Answer, ChatRequest
from hesui.length import LengthSpecError

from .batching import Batcher, Ticket

MAX_BODY = 1 << 20  # bytes; a chat request is a few KB
MAX_CONTENT = 20_000  # characters per message; the last user turn is held to 2000 by the length check
MAX_MESSAGES = 100  # per conversation; a longer history is refused before any of it is read
MAX_SEED = 2**63 - 1
NUMBER = (int, float)
WORK_LIMIT_S = 2.0  # seconds a request's parsing, counting and scoring may take (a real one takes milliseconds)
WORK_THREADS = 4  # requests read at once; the CPU has few cores, and a thread past its limit still holds one


class BadRequest(Exception):
    """kind: json (not a JSON object), param (a field), messages (their order or roles), length (contradiction),
    model (no such model), too_large (the body is over MAX_BODY), timeout (reading it took over the work limit)."""

    def __init__(self, message: str, *, param: str | None = None, kind: str = "param"):
        super().__init__(message)
        self.message, self.param, self.kind = message, param, kind


async def read_body(request: Request) -> bytes:
    """The body, refused as soon as it is known to be over MAX_BODY: by its Content-Length, or while it streams in."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise BadRequest(f"the body is {declared} bytes; at most {MAX_BODY} are accepted", kind="too_large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise BadRequest(f"the body is over {MAX_BODY} bytes; at most {MAX_BODY} are accepted", kind="too_large")
        chunks.append(chunk)
    return b"".join(chunks)


class Work:
    """Where a request's CPU work runs (decoding its JSON, parsing its length, counting and scoring a text): worker
    threads, so that the event loop goes on answering every other client, /healthz included, meanwhile.

    A thread cannot be stopped: one past ``limit_s`` is abandoned (the request gets a BadRequest) and finishes in
    the background, holding one of the ``threads`` until then, never the event loop.
    """

    def __init__(self, limit_s: float = WORK_LIMIT_S, threads: int = WORK_THREADS):
        self.limit_s = limit_s
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="hesui-work")

    async def run(self, fn, *args):
        """``fn(*args)`` in a worker thread; a BadRequest (kind timeout) when it takes longer than ``limit_s``."""
        job = asyncio.get_running_loop().run_in_executor(self._pool, partial(fn, *args))
        try:
            return await asyncio.wait_for(job, self.limit_s)
        except asyncio.TimeoutError:
            raise BadRequest(f"reading this request took longer than {self.limit_s:g} s; shorten or simplify it",
                             kind="timeout") from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def read_json(raw: bytes) -> dict:
    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise BadRequest(f"the body is not valid UTF-8 JSON: {str(e)[:200]}", kind="json") from None
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object", kind="json")
    return body


def _no_constant(name: str):
    raise ValueError(f"{name} is not a number in JSON")


def number(body: dict, name: str, lo: float, hi: float, *, integer: bool = False, lo_open: bool = False):
    """``body[name]`` checked to lie in [lo, hi] (or (lo, hi]); None when absent or null."""
    value = body.get(name)
    if value is None:
        return None
    kind = int if integer else NUMBER
    if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
        raise BadRequest(f"{name} must be {'an integer' if integer else 'a number'}", param=name)
    if value < lo or value > hi or (lo_open and value == lo):
        raise BadRequest(f"{name} must be in {'(' if lo_open else '['}{lo}, {hi}]", param=name)
    return value


def flag(body: dict, name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false", param=name)
    return value


def text(body: dict, name: str, limit: int) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string", param=name)
    if len(value) > limit:
        raise BadRequest(f"{name} is {len(value)} characters long; at most {limit}", param=name)
    return value


def stops(value, name: str, *, most: int, longest: int) -> list[str]:
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(s, str) for s in values):
        raise BadRequest(f"{name} must be a string or a list of strings", param=name)
    if len(values) > most or any(len(s) > longest for s in values):
        raise BadRequest(f"{name} holds at most {most} strings of at most {longest} characters", param=name)
    return [s for s in values if s]


def extension(body: dict) -> tuple[bool | None, int | None]:
    """The ``hesui`` extension object: (control, n_candidates)."""
    ext = body.get("hesui")
    if ext is None:
        return None, None
    if not isinstance(ext, dict):
        raise BadRequest("hesui must be an object", param="hesui")
    return flag(ext, "control"), number(ext, "n_candidates", 1, 8, integer=True)


def check_length(request: ChatRequest) -> None:
    """The last user turn's length, read before the request queues; a contradiction is its own error."""
    try:
        request.check()
    except LengthSpecError as e:
        raise BadRequest(str(e), param="messages", kind="length") from None
    except ValueError as e:
        raise BadRequest(str(e), param="messages") from None


def key_ok(request: Request, api_key: str | None, *, bearer: bool = True, query: bool = True) -> bool:
    if api_key is None:
        return True
    given = []
    if bearer:
        auth = request.headers.get("authorization", "")
        given.append(auth[7:].strip() if auth[:7].lower() == "bearer " else "")
    if query:
        given.append(request.query_params.get("access_token", ""))
    return any(g and hmac.compare_digest(g.encode(), api_key.encode()) for g in given)


async def wait_answer(request: Request, batcher: Batcher, ticket: Ticket) -> Answer | None:
    """The answer, or None when the client went away first (its place in the queue is then freed)."""
    while True:
        done, _ = await asyncio.wait({ticket.future}, timeout=0.25)
        if done:
            return ticket.future.result()
        if await request.is_disconnected():
            batcher.cancel(ticket)
            return None


async def deltas(batcher: Batcher, ticket: Ticket):
    """A streamed ticket's text pieces as they come; a client that leaves cancels its row."""
    from .batching import END

    try:
        while (piece := await ticket.deltas.get()) is not END:
            yield piece
    finally:
        if not ticket.future.done():
            batcher.cancel(ticket)
