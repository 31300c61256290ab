"""The Qianfan (ERNIE chat) dialect: ``POST /rpc/2.0/ai_custom/v1/wenxinworkshop/chat/{endpoint}``.

As the service does it: errors are ``{"error_code", "error_msg"}`` in an HTTP 200 body with an application/json
type (in stream mode the SDK tells an error from a stream by that type); a stream is SSE events with
``sentence_id`` and ``is_end``, and no ``[DONE]``. Codes: 336001 invalid argument, 336002 invalid JSON, 336003
invalid parameter, 336005 unknown endpoint, 336006 messages not odd/alternating, 18 queue full (the SDK retries
it), 110 bad access_token. Never 3: the SDK would then call Baidu's console.
hesui extensions: ``seed`` (an integer) and ``hesui`` ({"control", "n_candidates"}); every answer carries the
verdict in ``hesui``.
"""
from __future__ import annotations

import json
import time
import uuid
from dataclasses import replace

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, StreamingResponse

from hesui.generate.seam import Answer, ChatMessage, ChatRequest, SamplingConfig

from .batching import QueueFull
from . import schema
from .common import (MAX_CONTENT, MAX_MESSAGES, MAX_SEED, BadRequest, check_length, deltas, extension, flag, key_ok,
                     number, read_body, read_json, stops, text, wait_answer)

PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/{endpoint}"
INVALID_ARGUMENT, INVALID_JSON, INVALID_PARAM, NO_SUCH_API, BAD_MESSAGES = 336001, 336002, 336003, 336005, 336006
QPS_LIMIT, BAD_TOKEN = 18, 110
CODES = {"json": INVALID_JSON, "messages": BAD_MESSAGES, "length": INVALID_ARGUMENT, "param": INVALID_PARAM,
         "too_large": INVALID_PARAM, "timeout": INVALID_PARAM}


def error(code: int, message: str) -> JSONResponse:
    return JSONResponse({"error_code": code, "error_msg": message, "id": _id()}, status_code=200)


def _id() -> str:
    return f"as-{uuid.uuid4().hex[:10]}"


def parse_messages(value) -> list[ChatMessage]:
    """Odd in number, user and assistant in turn, first and last the user's (Qianfan's own rule)."""
    if not isinstance(value, list) or not value:
        raise BadRequest("messages must be a non-empty list", param="messages", kind="messages")
    if len(value) > MAX_MESSAGES:
        raise BadRequest(f"messages holds {len(value)} messages; at most {MAX_MESSAGES} are accepted", param="messages")
    turns = []
    for i, m in enumerate(value):
        if not isinstance(m, dict) or not isinstance(m.get("content"), str):
            raise BadRequest(f"messages[{i}] must be an object with role and a string content", param="messages")
        if len(m["content"]) > MAX_CONTENT:
            raise BadRequest(f"messages[{i}].content is longer than {MAX_CONTENT} characters", param="messages")
        want = "user" if i % 2 == 0 else "assistant"
        if m.get("role") != want:
            raise BadRequest(f"the message length must be odd and roles must alternate user/assistant "
                             f"(messages[{i}] should be {want})", param="messages", kind="messages")
        turns.append(ChatMessage(want, m["content"]))
    if len(turns) % 2 == 0:
        raise BadRequest("the message length must be odd, ending with the user's", param="messages", kind="messages")
    return turns


def parse_body(body: dict, defaults: SamplingConfig) -> tuple[ChatRequest, bool]:
    """(the request, stream); unknown keys (the SDK's extra_parameters) are ignored."""
    turns = parse_messages(body.get("messages"))
    temperature = number(body, "temperature", 0, 1, lo_open=True)
    top_p, penalty = number(body, "top_p", 0, 1), number(body, "penalty_score", 1, 2)
    max_tokens = number(body, "max_output_tokens", 2, 2048, integer=True)
    seed = number(body, "seed", -MAX_SEED, MAX_SEED, integer=True)
    system = text(body, "system", 1024)
    text(body, "user_id", 256)
    stream = bool(flag(body, "stream"))
    control, n_candidates = extension(body)
    given = {"temperature": temperature, "top_p": top_p, "repetition_penalty": penalty, "seed": seed,
             "control": control, "n_candidates": n_candidates}
    sampling = replace(defaults, **{k: v for k, v in given.items() if v is not None})
    stop = stops(body.get("stop"), "stop", most=4, longest=20)
    if isinstance(body.get("stop"), str):
        raise BadRequest("stop must be a list of strings", param="stop")
    return ChatRequest(turns, system or None, stop, max_tokens, sampling), stream


def _usage(a: Answer) -> dict:
    return {"prompt_tokens": a.prompt_tokens, "completion_tokens": a.completion_tokens,
            "total_tokens": a.prompt_tokens + a.completion_tokens}


def result(cid: str, answer: Answer) -> dict:
    return {"id": cid, "object": "chat.completion", "created": int(time.time()), "result": answer.text,
            "is_truncated": answer.finish_reason == "length", "need_clear_history": False, "usage": _usage(answer),
            "hesui": answer.verdict()}


def event(body: dict) -> str:
    return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"


def make_router(app_state) -> APIRouter:
    router = APIRouter()

    def read_chat(raw: bytes, endpoint: str) -> tuple[ChatRequest, bool]:
        """(the request, stream) from the raw body: CPU work, off the event loop."""
        chat_request, stream = parse_body(read_json(raw), app_state.defaults(endpoint))
        check_length(chat_request)
        return chat_request, stream

    @router.post(PATH, openapi_extra=schema.qianfan_chat())
    async def chat(request: Request, endpoint: str = Path(json_schema_extra={"enum": list(app_state.generators)})):
        if not key_ok(request, app_state.api_key, bearer=False):
            return error(BAD_TOKEN, "Access token invalid or no longer valid")
        if endpoint not in app_state.generators:
            return error(NO_SUCH_API, f"Unsupported API name {endpoint!r}: this server has "
                                      f"{', '.join(app_state.generators)}")
        try:
            chat_request, stream = await app_state.work.run(read_chat, await read_body(request), endpoint)
        except BadRequest as e:
            return error(CODES[e.kind], e.message)
        try:
            (ticket,) = app_state.submit_all(endpoint, [chat_request], stream=stream)
        except QueueFull as e:
            return error(QPS_LIMIT, f"Open api qps request limit reached: {e}")
        cid = _id()
        if stream:
            return StreamingResponse(_stream(app_state, ticket, cid), media_type="text/event-stream")
        answer = await wait_answer(request, app_state.batcher, ticket)
        if answer is None:
            return error(INVALID_ARGUMENT, "the client went away")
        try:
            # counts and scores the answer, and encodes the body, off the event loop
            return await app_state.work.run(lambda: JSONResponse(result(cid, answer)))
        except BadRequest as e:
            return error(CODES[e.kind], e.message)

    return router


async def _stream(app_state, ticket, cid: str):
    sentence = 0
    head = {"id": cid, "object": "chat.completion", "need_clear_history": False, "is_truncated": False}
    async for piece in deltas(app_state.batcher, ticket):
        yield event({**head, "created": int(time.time()), "sentence_id": sentence, "is_end": False, "result": piece,
                     "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}})
        sentence += 1
    try:
        answer = ticket.future.result()
        last = await app_state.work.run(result, cid, answer)
    except Exception as e:  # noqa: BLE001 — the stream has begun: the error goes in the stream
        yield event({"error_code": 336000, "error_msg": f"internal error: {e}"})
        return
    yield event({**last, "sentence_id": sentence, "is_end": True, "result": "",
                 "is_truncated": answer.finish_reason == "length"})
