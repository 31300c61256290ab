"""``hesui serve``: named models behind the OpenAI and Qianfan chat dialects, the length tools, and the playground.

``create_app(generators)`` takes any ``Generator`` per name (the seam), so tests run it on a tiny model and a
vLLM-backed generator would run it unchanged. Routes: /healthz (open), /v1/models and /v1/chat/completions
(Bearer key), the Qianfan chat route (?access_token=), /hesui/count and /hesui/parse (either), / and /static/
(the playground, open; it asks for a key when a call gets 401). ``app.openapi()`` describes every body (schema.py).

The event loop only moves bytes: a request's CPU work (its JSON, its length, counting and scoring a text) runs in
``Work``'s threads under a time limit, and generation in the batcher's thread.
"""
from __future__ import annotations

import gc
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from hesui.generate.seam import Answer, ChatRequest, Generator, SamplingConfig, judged_faults, well_formed
from hesui.length import LengthSpecError, Spec, parse

from . import openai_api, qianfan, schema
from .batching import Batcher, Ticket
from .common import MAX_CONTENT, WORK_LIMIT_S, BadRequest, Work, key_ok, read_body, read_json

MAX_PARSE_CHARS = 5000  # of a request, /hesui/parse and /hesui/count read the first 5000 characters

STATIC = Path(__file__).parent / "static"


class ServerState:
    def __init__(self, generators: dict[str, Generator], api_key: str | None, batcher: Batcher, work: Work):
        self.generators, self.api_key, self.batcher, self.work = generators, api_key, batcher, work

    def defaults(self, model: str) -> SamplingConfig:
        """A model's sampling when a request leaves a setting out; the plain base runs without the controller."""
        return SamplingConfig(control=getattr(self.generators[model], "control", True))

    def submit_all(self, model: str, requests, *, stream: bool) -> list[Ticket]:
        """Queue every choice of one call, or none of them (QueueFull)."""
        tickets: list[Ticket] = []
        try:
            for r in requests:
                tickets.append(self.batcher.submit(model, r, stream=stream))
        except Exception:
            for t in tickets:
                self.batcher.cancel(t)
            raise
        return tickets


def create_app(generators: dict[str, Generator], *, api_key: str | None = None, max_batch: int = 8,
               max_queue: int = 32, batch_window: float = 0.02, work_limit: float = WORK_LIMIT_S) -> FastAPI:
    """``generators``: name → Generator, the tuned model first; ``batch_window`` and ``work_limit`` (the most a
    request's parsing, counting and scoring may take) in seconds."""
    batcher = Batcher(generators, max_batch=max_batch, max_queue=max_queue, window=batch_window)
    state = ServerState(generators, api_key, batcher, Work(work_limit))

    @asynccontextmanager
    async def lifespan(app):
        # The loaded model's objects (torch, transformers, the tokenizer: some 400,000) live as long as the server.
        # Frozen out of the garbage collector, they are no longer walked by every full collection: one took ~200 ms,
        # a pause of whatever thread ran it, the event loop's too (/healthz p99 250 ms → 25 ms under load).
        gc.freeze()
        yield
        gc.unfreeze()
        batcher.close()
        state.work.close()

    app = FastAPI(title="hesui", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hesui = state
    app.include_router(openai_api.make_router(state))
    app.include_router(qianfan.make_router(state))
    _length_routes(app, state)
    _errors(app)

    @app.get("/healthz")
    async def healthz():
        return {"ok": True, "models": list(generators)}

    if STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC), name="static")

        @app.get("/", include_in_schema=False)
        async def index():
            return FileResponse(STATIC / "index.html")
    return app


def _length_routes(app: FastAPI, state: ServerState) -> None:
    def unauthorized():
        return openai_api.error(401, "a valid API key is required: Bearer header or ?access_token=", "invalid_api_key")

    async def answer(request: Request, work) -> JSONResponse:
        """``work(raw body)`` off the event loop, encoded there too, or the error it raised as an OpenAI error."""
        if not key_ok(request, state.api_key):
            return unauthorized()
        try:
            return await state.work.run(lambda raw: JSONResponse(work(raw)), await read_body(request))
        except BadRequest as e:
            return openai_api.bad_request(e)

    @app.post("/hesui/count", openapi_extra=schema.COUNT)
    async def count(request: Request):
        return await answer(request, count_text)

    @app.post("/hesui/parse", openapi_extra=schema.PARSE)
    async def parse_route(request: Request):
        return await answer(request, parse_text)


def _fields(raw: bytes, *names: str) -> dict:
    """The body with each named field a string (the first required)."""
    body = read_json(raw)
    for i, name in enumerate(names):
        if (i == 0 or body.get(name) is not None) and not isinstance(body.get(name), str):
            raise BadRequest(f"{name} must be a string", param=name)
    return body


def _spec_of(text: str | None, param: str) -> Spec:
    """The length constraints of a request's first MAX_PARSE_CHARS characters; a contradiction is an error."""
    try:
        return parse(text[:MAX_PARSE_CHARS]) if text else Spec()
    except LengthSpecError as e:
        raise BadRequest(str(e), param=param, kind="length") from None


def count_text(raw: bytes) -> dict:
    """/hesui/count: the text's counts, and its checks against the request's constraints when one is given."""
    body = _fields(raw, "text", "request")
    text, request = body["text"], (body.get("request") or "")[:MAX_PARSE_CHARS]
    if len(text) > MAX_CONTENT:  # as long as one chat message may be
        raise BadRequest(f"text is {len(text)} characters long; at most {MAX_CONTENT}", param="text")
    spec = _spec_of(request, "request")
    v = Answer(text, spec, None, 0, 0.0, 0).verdict()
    ok = all(c["ok"] for c in v["checks"]) if spec.constraints else None
    return {"count": v["count"], "constraints": v["constraints"], "checks": v["checks"], "ok": ok,
            "well_formed": well_formed(text), "copy_faults": judged_faults(text, ChatRequest.of(request), spec)}


def parse_text(raw: bytes) -> dict:
    """/hesui/parse: the constraints read in a request, what was left and why, and a short description."""
    spec = _spec_of(_fields(raw, "text")["text"], "text")
    ignored = [{"words": words, "reason": why} for words, why in spec.ignored]  # as `hesui parse --json` writes it
    return {**spec.to_dict(), "source": spec.source, "ignored": ignored, "description": describe(spec)}


def describe(spec: Spec) -> str:
    """A short Chinese phrase of what was read, e.g. "50字以内"; "" when nothing was."""
    from hesui.model.chat import length_note

    note = length_note(spec)
    return note.strip("（）").replace("全文", "").replace("，尽量写满", "") if note else ""


def _errors(app: FastAPI) -> None:
    """Whatever slips past the routes still answers in JSON: 404 / 405 as OpenAI errors, never a bare page."""

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "invalid_request")
        known = exc.status_code in (400, 401, 404, 413, 429)
        status = exc.status_code if known else 400 if exc.status_code < 500 else 500
        return openai_api.error(status, str(exc.detail), code)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        return openai_api.error(400, "invalid request", "invalid_value")


def build_generators(model: str | None = None, adapter: str | None = None, *,
                     engine: str = "auto") -> dict[str, Generator]:
    """``hesui``: the base with the adapter (``--adapter``, else models/hesui-lora when it exists) and the controller;
    ``hesui-base``: the plain base, no controller. Without an adapter both share one loaded model."""
    from hesui.generate.load import load_engine
    from hesui.generate.seam import BestOfN
    from hesui.model.registry import pick_adapter

    adapter = pick_adapter(model, adapter)  # the shipped adapter with the embedded base, wherever serve starts
    base = load_engine(model, engine=engine)
    tuned = load_engine(model, adapter, engine=engine) if adapter else base
    return {"hesui": BestOfN(tuned, "hesui"), "hesui-base": BestOfN(base, "hesui-base", control=False)}
