"""The OpenAI dialect: ``POST /v1/chat/completions`` (plain and SSE) and ``GET /v1/models``.

Errors are ``{"error": {"message", "type", "param", "code"}}`` with HTTP 400 / 401 / 404 / 413 / 429. Every answer
carries hesui's verdict in a top-level ``hesui`` object (count, constraints, ok, checks, well_formed, attempts).
A non-streamed answer is the best of ``hesui.n_candidates`` samples (resampled while none meets the length);
a streamed one is one controlled sample.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse

from hesui.generate.seam import Answer, ChatMessage, ChatRequest, SamplingConfig

from .batching import QueueFull
from . import schema
from .common import (MAX_CONTENT, MAX_MESSAGES, MAX_SEED, BadRequest, check_length, deltas, extension, flag, key_ok,
                     number, read_body, read_json, stops, text, wait_answer)

ROLES = {"system", "developer", "user", "assistant"}


def error(status: int, message: str, code: str, param: str | None = None, kind: str = "invalid_request_error"):
    return JSONResponse({"error": {"message": message, "type": kind, "param": param, "code": code}}, status_code=status)


_CODES = {"json": "invalid_json", "length": "length_contradiction", "model": "model_not_found",
          "too_large": "request_too_large", "timeout": "processing_timeout"}


def bad_request(e: BadRequest) -> JSONResponse:
    status = {"model": 404, "too_large": 413}.get(e.kind, 400)
    return error(status, e.message, _CODES.get(e.kind, "invalid_value"), e.param)


def _content(m: dict, i: int) -> str:
    c = m.get("content")
    if isinstance(c, list) and all(isinstance(p, dict) and p.get("type") == "text" and isinstance(p.get("text"), str)
                                   for p in c):
        c = "".join(p["text"] for p in c)
    if c is None and m.get("role") == "assistant":
        c = ""
    if not isinstance(c, str):
        raise BadRequest(f"messages[{i}].content must be a string or a list of text parts", param=f"messages[{i}]")
    if len(c) > MAX_CONTENT:
        raise BadRequest(f"messages[{i}].content is longer than {MAX_CONTENT} characters", param=f"messages[{i}]")
    return c


def parse_messages(value) -> tuple[str | None, list[ChatMessage]]:
    """(system prompt, conversation); system and developer messages join the system prompt."""
    if not isinstance(value, list) or not value:
        raise BadRequest("messages must be a non-empty list", param="messages")
    if len(value) > MAX_MESSAGES:
        raise BadRequest(f"messages holds {len(value)} messages; at most {MAX_MESSAGES} are accepted", param="messages")
    system, turns = [], []
    for i, m in enumerate(value):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise BadRequest(f"messages[{i}] must be an object whose role is one of {sorted(ROLES)}",
                             param=f"messages[{i}]")
        c = _content(m, i)
        if m["role"] in ("system", "developer"):
            system.append(c)
        else:
            turns.append(ChatMessage(m["role"], c))
    if not turns or turns[-1].role != "user":
        raise BadRequest("the last message must be the user's", param="messages")
    return "\n".join(system) or None, turns


def parse_body(body: dict, defaults: SamplingConfig) -> tuple[list[ChatRequest], bool, bool]:
    """(one request per choice, stream, include_usage); settings left out take the model's ``defaults``."""
    system, turns = parse_messages(body.get("messages"))
    temperature, top_p = number(body, "temperature", 0, 2), number(body, "top_p", 0, 1)
    max_tokens = number(body, "max_tokens", 1, 4096, integer=True) or number(body, "max_completion_tokens", 1, 4096,
                                                                              integer=True)
    seed, n = number(body, "seed", -MAX_SEED, MAX_SEED, integer=True), number(body, "n", 1, 8, integer=True) or 1
    stream = bool(flag(body, "stream"))
    options = body.get("stream_options")
    if options is not None and not isinstance(options, dict):
        raise BadRequest("stream_options must be an object", param="stream_options")
    include_usage = bool(flag(options or {}, "include_usage"))
    control, n_candidates = extension(body)
    if stream and n > 1:
        raise BadRequest("a stream carries one choice: use n = 1", param="n")
    text(body, "user", 256)
    base = replace(defaults, **{k: v for k, v in (("temperature", temperature), ("top_p", top_p),
                                                  ("control", control), ("n_candidates", n_candidates)) if v is not None})
    stop = stops(body.get("stop"), "stop", most=4, longest=64)
    requests = [ChatRequest(turns, system, stop, max_tokens,
                            replace(base, seed=None if seed is None else (seed + i) % MAX_SEED)) for i in range(n)]
    return requests, stream, include_usage


def _usage(answers: list[Answer]) -> dict:
    prompt = answers[0].prompt_tokens
    completion = sum(a.completion_tokens for a in answers)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def completion(cid: str, model: str, answers: list[Answer]) -> dict:
    return {"id": cid, "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": i, "message": {"role": "assistant", "content": a.text}, "logprobs": None,
                         "finish_reason": a.finish_reason} for i, a in enumerate(answers)],
            "usage": _usage(answers), "hesui": answers[0].verdict()}


def chunk(cid: str, model: str, delta: dict, finish: str | None = None, **extra) -> str:
    body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}], **extra}
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def make_router(app_state) -> APIRouter:
    router = APIRouter()

    @router.get("/v1/models")
    async def models(request: Request):
        if not key_ok(request, app_state.api_key, query=False):
            return error(401, "a valid API key is required: Authorization: Bearer KEY", "invalid_api_key")
        return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "hesui"}
                                           for m in app_state.generators]}

    def read_chat(raw: bytes) -> tuple[str, list[ChatRequest], bool, bool]:
        """(model, one request per choice, stream, include_usage) from the raw body: CPU work, off the event loop."""
        body = read_json(raw)
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise BadRequest("model is required: one of " + ", ".join(app_state.generators), param="model")
        if model not in app_state.generators:
            raise BadRequest(f"no model {model!r}; this server has {', '.join(app_state.generators)}",
                             param="model", kind="model")
        requests, stream, include_usage = parse_body(body, app_state.defaults(model))
        check_length(requests[0])
        return model, requests, stream, include_usage

    @router.post("/v1/chat/completions", openapi_extra=schema.openai_chat(list(app_state.generators)))
    async def chat(request: Request):
        if not key_ok(request, app_state.api_key, query=False):
            return error(401, "a valid API key is required: Authorization: Bearer KEY", "invalid_api_key")
        try:
            model, requests, stream, include_usage = await app_state.work.run(read_chat, await read_body(request))
        except BadRequest as e:
            return bad_request(e)
        try:
            tickets = app_state.submit_all(model, requests, stream=stream)
        except QueueFull as e:
            return error(429, str(e), "queue_full", kind="rate_limit_error")
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        if stream:
            return StreamingResponse(_stream(app_state, tickets[0], cid, model, include_usage),
                                     media_type="text/event-stream")
        answers = [await wait_answer(request, app_state.batcher, t) for t in tickets]
        if any(a is None for a in answers):
            for t in tickets:
                app_state.batcher.cancel(t)
            return error(400, "the client went away", "cancelled")
        try:
            # counts and scores each answer, and encodes the body, off the event loop
            return await app_state.work.run(lambda: JSONResponse(completion(cid, model, answers)))
        except BadRequest as e:
            return bad_request(e)

    return router


async def _stream(app_state, ticket, cid: str, model: str, include_usage: bool):
    yield chunk(cid, model, {"role": "assistant", "content": ""})
    async for piece in deltas(app_state.batcher, ticket):
        yield chunk(cid, model, {"content": piece})
    try:
        answer = ticket.future.result()
        verdict = await app_state.work.run(answer.verdict)
    except Exception as e:  # noqa: BLE001 — the stream has begun: the error goes in the stream
        err = {"message": str(e), "type": "server_error", "param": None, "code": "internal_error"}
        yield f"data: {json.dumps({'error': err})}\n\n"
        return
    yield chunk(cid, model, {}, answer.finish_reason, hesui=verdict)
    if include_usage:
        body = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
                "choices": [], "usage": _usage([answer])}
        yield f"data: {json.dumps(body)}\n\n"
    yield "data: [DONE]\n\n"
